package org.bgreboot.measure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends {@code GET url} every {@code interval}, one request at a time, as one client would, and
 * records every answer and every failure. Each probe is a fresh TCP connection; the next one goes
 * out {@code interval} after the last one was sent, or as soon as it ends if it took longer.
 *
 * <p>One at a time, because more measure the prober rather than the VM: QEMU's user networking
 * listens on a port forward with a backlog of 1, so a SYN that finds another connect pending is
 * dropped, and its client waits out TCP's 1-s retry (then 2, then 4 s). With a new connection every
 * 10 ms whatever the earlier ones do, a host busy enough to delay QEMU's accept a little turned
 * that into gaps of seconds while the VM answered every request it got (measured: an aborted
 * reboot beside two busy loops showed 1-17 s gaps to the old prober, and 100 ms to a serial one).
 */
public final class Prober implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI url;
    private final long intervalNanos;
    private final Duration requestTimeout;
    private final RunClock clock;
    private final ConcurrentLinkedQueue<ProbeSample> samples = new ConcurrentLinkedQueue<>();
    private final Thread loop;
    private volatile boolean running;
    private boolean started;
    private boolean stopped;

    public Prober(URI url, Duration interval, Duration requestTimeout, RunClock clock) {
        if (interval.isZero() || interval.isNegative()) throw new IllegalArgumentException("interval must be positive");
        this.url = url;
        this.intervalNanos = interval.toNanos();
        this.requestTimeout = requestTimeout;
        this.clock = clock;
        this.loop = daemon(this::probeLoop, "prober");
    }

    public synchronized void start() {
        if (started || stopped) throw new IllegalStateException("a prober runs once");
        started = true;
        running = true;
        loop.start();
    }

    /** The samples recorded so far (a probe in flight is not in it). */
    public ProbeLog snapshot() {
        return new ProbeLog(new ArrayList<>(samples));
    }

    /** Stops probing, waits for the probe in flight (at most one request timeout) and returns every sample. */
    public synchronized ProbeLog stop() {
        if (!stopped) {
            stopped = true;
            running = false;
            if (started) {
                LockSupport.unpark(loop);
                joinQuietly(loop);
            }
        }
        return snapshot();
    }

    @Override
    public void close() {
        stop();
    }

    private void probeLoop() {
        long next = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            next = now + intervalNanos;
            samples.add(probeOnce());
        }
    }

    private ProbeSample probeOnce() {
        double sent = clock.nowMs();
        RawHttp.Response response;
        try {
            response = RawHttp.get(url, requestTimeout);
        } catch (IOException | RuntimeException e) {
            return new ProbeSample(sent, clock.nowMs(), false, 0, null, null, null, Errors.describe(e));
        }
        double answered = clock.nowMs();
        return parse(sent, answered, response);
    }

    /** Good = 200 with a JSON object; version, kernel and boot_id are taken when present. */
    static ProbeSample parse(double sent, double answered, RawHttp.Response response) {
        if (response.status() != 200) {
            return new ProbeSample(sent, answered, false, response.status(), null, null, null,
                    "HTTP " + response.status());
        }
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node == null || !node.isObject()) {
                return new ProbeSample(sent, answered, false, 200, null, null, null, "body is not a JSON object");
            }
            return new ProbeSample(sent, answered, true, 200,
                    text(node, "version"), text(node, "kernel"), text(node, "boot_id"), null);
        } catch (IOException e) {
            return new ProbeSample(sent, answered, false, 200, null, null, null, "unparsable JSON: " + Errors.describe(e));
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
