package org.bgreboot.experiment.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.ProbeSample;
import org.bgreboot.measure.RawHttp;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.ServiceWatch;
import org.bgreboot.engine.Vm;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.state.VmState;

import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.experiment.Lab;
/**
 * The soak: one VM started fresh, then N background reboots in a row (each boots a new clone; the
 * update is simply installed again) with the writer and the prober running throughout. After each
 * reboot it counts the VM's QEMU processes, sockets and leftovers and reads the backing chain's
 * depth; at the end it reads the ledger back, computes each reboot's downtime from the probes, and
 * compares this JVM's file descriptors, threads and heap (after GC) with the start.
 */
public final class Soak {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration NEW_OS_WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Lab lab;
    private final int count;
    private final String accel;

    public Soak(Lab lab, int count, String accel) {
        if (count < 1) {
            throw new IllegalArgumentException("a soak needs at least one reboot");
        }
        this.lab = lab;
        this.count = count;
        this.accel = accel;
    }

    public SoakReport run(Vm vm) {
        Progress progress = lab.progress();
        progress.step("== soak: " + count + " background reboots of " + vm.spec().name() + " in a row, from a fresh start ==");
        lab.freshStart(vm);
        SoakSample start = SoakSample.take();
        Measured m = reboots(vm, progress);
        // the probe and write logs are out of reach now: what the heap holds beyond the start is ours
        SoakSample end = SoakSample.take();
        List<String> afterStop = new ArrayList<>();
        try {
            lab.stop(vm);
            afterStop.addAll(vm.inspection().leftovers());
            SoakSample.sockets(vm).forEach(s -> afterStop.add("socket " + s + " after the VM stopped"));
        } catch (RuntimeException e) {
            afterStop.add("the VM did not stop cleanly: " + e.getMessage());
        }
        return new SoakReport(vm.spec().name(), accel, count, m.reboots(), m.ackedWrites(), m.lostWrites(),
                m.writeFailures(), m.failure(), start, end, afterStop);
    }

    /** What {@link #reboots} keeps of the run; the logs themselves are dropped before the end sample. */
    private record Measured(List<SoakReboot> reboots, int ackedWrites, List<Long> lostWrites, int writeFailures, Optional<String> failure) {}

    private Measured reboots(Vm vm, Progress progress) {
        RunClock clock = RunClock.start();
        URI uri = MeasuredReboot.serviceUri(vm.spec());
        List<SoakReboot> done = new ArrayList<>();
        Optional<String> failure = Optional.empty();
        ServiceWatch.Seen seen;
        try (ServiceWatch watch = ServiceWatch.start(uri, clock)) {
            for (int i = 1; i <= count; i++) {
                Optional<String> bootBefore = bootId(uri);
                RebootResult r;
                try {
                    r = lab.reboot(vm, RebootOptions.background(clock));
                } catch (RuntimeException e) {
                    failure = Optional.of("reboot " + i + " failed: " + e.getMessage());
                    progress.step("soak: " + failure.get());
                    break;
                }
                if (!r.aborted() && !awaitNewBoot(uri, bootBefore)) {
                    failure = Optional.of("reboot " + i + ": the new OS did not answer within " + NEW_OS_WAIT.toSeconds() + " s");
                    progress.step("soak: " + failure.get());
                }
                SoakReboot s = inspect(vm, i, r);
                done.add(s);
                progress.step(String.format("soak %d/%d: generation %d%s, chain depth %d, %d instance(s), %d leftover(s), %d writes acknowledged",
                        i, count, s.generation(), s.switched() ? "" : " " + s.outcome().describe(), s.chainDepth(),
                        s.instances(), s.leftovers().size(), watch.writesSoFar().acks().size()));
                if (failure.isPresent()) {
                    break;
                }
            }
            seen = watch.stop();
        }
        if (seen.ledgerUnreadable().isPresent()) {
            progress.step("soak: " + seen.ledgerUnreadable().get() + ": counting every acknowledged write as lost");
            failure = failure.or(() -> seen.ledgerUnreadable());
        }
        return new Measured(withDowntimes(done, seen.probes()), seen.ledger().ackedCount(), seen.ledger().missingAcked(),
                seen.writes().failures().size(), failure);
    }

    /**
     * Each reboot's downtime, from the probes between the end of the one before and the start of
     * the next; a cold boot's too (it is what clients saw), though no statistic counts it.
     */
    private static List<SoakReboot> withDowntimes(List<SoakReboot> reboots, ProbeLog probes) {
        List<SoakReboot> out = new ArrayList<>();
        for (int i = 0; i < reboots.size(); i++) {
            SoakReboot r = reboots.get(i);
            if (r.aborted()) {
                out.add(r);
                continue;
            }
            double from = i == 0 ? Double.NEGATIVE_INFINITY : reboots.get(i - 1).endMs();
            double to = i + 1 < reboots.size() ? reboots.get(i + 1).startMs() : Double.POSITIVE_INFINITY;
            List<ProbeSample> window = probes.samples().stream().filter(p -> p.sentMs() >= from && p.sentMs() < to).toList();
            var d = Downtime.analyze(new ProbeLog(window), r.startMs());
            out.add(r.withDowntime(d.newBootSeen() ? d.downtimeMs() : Double.NaN, d.maxGapMs()));
        }
        return out;
    }

    private static SoakReboot inspect(Vm vm, int index, RebootResult r) {
        return new SoakReboot(index, r.generation(), r.outcome(), r.startMs(), r.endMs(), Double.NaN, Double.NaN, r.bgReadyMs(),
                r.switchMs(), vm.inspection().chainDepth(), vm.instances().size(), vm.inspection().leftovers(), SoakSample.readHostMemAvailableMiB(),
                r.bgShare());
    }

    /** The boot_id the service reports now, if it answers. */
    private static Optional<String> bootId(URI uri) {
        try {
            RawHttp.Response r = RawHttp.get(uri, REQUEST_TIMEOUT);
            if (r.status() != 200) {
                return Optional.empty();
            }
            JsonNode id = JSON.readTree(r.body()).get("boot_id");
            return id == null ? Optional.empty() : Optional.of(id.asText());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Waits until the service answers with another boot_id than before (the new OS); false at the timeout. */
    private static boolean awaitNewBoot(URI uri, Optional<String> before) {
        long deadline = System.nanoTime() + NEW_OS_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> now = bootId(uri);
            if (now.isPresent() && !now.equals(before)) {
                return true;
            }
            sleep(50);
        }
        return false;
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
