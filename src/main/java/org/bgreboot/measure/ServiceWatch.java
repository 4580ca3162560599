package org.bgreboot.measure;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a VM's clients see, the same way for every experiment: a prober asking the service every
 * 10 ms, and a writer appending sequence numbers that the service fsyncs to the persistent disk
 * before it acknowledges them. Both start a moment before what is watched and stop a moment after,
 * so a gap is seen whole; stopping reads the ledger back and checks every acknowledged write is there.
 */
public final class ServiceWatch implements AutoCloseable {
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final long SETTLE_MS = 1500;
    /** How long a watch goes on for a service that does not answer at its end (a slow guest under TCG). */
    private static final Duration OUTAGE_WAIT = Duration.ofSeconds(60);

    /**
     * What was seen. {@code ledgerUnreadable} says why the ledger could not be read back; then
     * every acknowledged write counts as lost.
     */
    public record Seen(ProbeLog probes, WriteLog writes, LedgerCheckResult ledger, Optional<String> ledgerUnreadable) {}

    private final URI service;
    private final Prober prober;
    private final AppendWriter writer;

    private ServiceWatch(URI service, RunClock clock) {
        this.service = service;
        this.prober = new Prober(service, PROBE_INTERVAL, REQUEST_TIMEOUT, clock);
        this.writer = new AppendWriter(service, clock);
    }

    /** Starts probing and writing, and lets them settle. */
    public static ServiceWatch start(URI service, RunClock clock) {
        ServiceWatch w = new ServiceWatch(service, clock);
        w.prober.start();
        w.writer.start();
        settle();
        return w;
    }

    /** The writes so far, while the watch runs. */
    public WriteLog writesSoFar() {
        return writer.snapshot();
    }

    /**
     * Lets the last answers come in, stops both, reads the ledger back. A watch never stops inside
     * an outage: while the last probe failed it goes on, up to {@link #OUTAGE_WAIT}, so the gap is
     * seen whole (a guest can pass its readiness checks inside before its clients reach it: on
     * Debian 13 after a normal reboot, seconds before its network was configured).
     */
    public Seen stop() {
        settle();
        awaitAnswer();
        WriteLog writes = writer.stop();
        ProbeLog probes = prober.stop();
        try {
            return new Seen(probes, writes, LedgerCheck.check(writes, LedgerCheck.fetch(service, Duration.ofSeconds(10))), Optional.empty());
        } catch (IOException e) {
            List<Long> all = writes.ackedSeqs();
            LedgerCheckResult lost = new LedgerCheckResult(all.size(), 0, all, false, List.of(), List.of(), List.of(), List.of());
            return new Seen(probes, writes, lost, Optional.of("the ledger could not be read back from " + service + ": " + e.getMessage()));
        }
    }

    @Override public void close() {
        writer.close();
        prober.close();
    }

    private void awaitAnswer() {
        long deadline = System.nanoTime() + OUTAGE_WAIT.toNanos();
        while (System.nanoTime() < deadline && prober.snapshot().endsInFailure()) {
            sleep(50);
        }
    }

    private static void settle() {
        sleep(SETTLE_MS);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
