package org.bgreboot.measure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends {@code GET url} on a fixed schedule (every {@code interval}, however long earlier requests
 * take) and records every answer and every failure. Each probe is a fresh TCP connection.
 * Requests run on a pool; when {@code maxInFlight} are already hanging the tick is recorded as a
 * skipped (failed) sample instead of queueing, so a hung service cannot build a backlog that would
 * later flood it or skew the timeline.
 *
 * <p>The default cap lets a whole timeout's worth of probes hang (plus a quarter): with a smaller
 * one, probes that hang while the VM is half-up (a port forward accepting connections nobody
 * answers) would hold every slot, the first probes after the switch would be skipped, and the
 * downtime would read up to one timeout too long.
 */
public final class Prober implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI url;
    private final long intervalNanos;
    private final Duration requestTimeout;
    private final RunClock clock;
    private final int maxInFlight;
    private final Semaphore inFlight;
    private final ConcurrentLinkedQueue<ProbeSample> samples = new ConcurrentLinkedQueue<>();
    private final ExecutorService pool;
    private final Thread ticker;
    private volatile boolean running;
    private boolean started;
    private boolean stopped;

    /** Allows as many requests in flight as are sent in one timeout (plus a quarter), at least 4, at most 256. */
    public Prober(URI url, Duration interval, Duration requestTimeout, RunClock clock) {
        this(url, interval, requestTimeout, clock, defaultMaxInFlight(interval, requestTimeout));
    }

    public Prober(URI url, Duration interval, Duration requestTimeout, RunClock clock, int maxInFlight) {
        if (interval.isZero() || interval.isNegative()) throw new IllegalArgumentException("interval must be positive");
        if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be at least 1");
        this.url = url;
        this.intervalNanos = interval.toNanos();
        this.requestTimeout = requestTimeout;
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        AtomicInteger n = new AtomicInteger();
        // Cached pool: threads are reused while probes are quick; the semaphore bounds them when not.
        this.pool = Executors.newCachedThreadPool(r -> daemon(r, "prober-" + n.incrementAndGet()));
        this.ticker = daemon(this::tickLoop, "prober-ticker");
    }

    static int defaultMaxInFlight(Duration interval, Duration requestTimeout) {
        long fit = (requestTimeout.toNanos() + interval.toNanos() - 1) / interval.toNanos();
        return (int) Math.max(4, Math.min(256, fit + Math.max(2, fit / 4)));
    }

    public synchronized void start() {
        if (started || stopped) throw new IllegalStateException("a prober runs once");
        started = true;
        running = true;
        ticker.start();
    }

    /** The samples recorded so far (probes still in flight are not in it). */
    public ProbeLog snapshot() {
        return new ProbeLog(new ArrayList<>(samples));
    }

    /** Stops probing, waits for probes in flight (at most one request timeout) and returns every sample. */
    public synchronized ProbeLog stop() {
        if (!stopped) {
            stopped = true;
            running = false;
            if (started) {
                LockSupport.unpark(ticker);
                joinQuietly(ticker);
            }
            pool.shutdown();
            try {
                pool.awaitTermination(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pool.shutdownNow();
        }
        return snapshot();
    }

    @Override
    public void close() {
        stop();
    }

    private void tickLoop() {
        long next = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            fire();
            next += intervalNanos;
            // After a stall (GC, suspended host) skip the missed slots rather than fire a burst.
            long behind = System.nanoTime() - next;
            if (behind > intervalNanos) next += (behind / intervalNanos) * intervalNanos;
        }
    }

    private void fire() {
        if (!inFlight.tryAcquire()) {
            samples.add(ProbeSample.skipped(clock.nowMs(), maxInFlight + " probes still in flight"));
            return;
        }
        try {
            pool.execute(() -> {
                try {
                    samples.add(probeOnce());
                } finally {
                    inFlight.release();
                }
            });
        } catch (RejectedExecutionException e) { // only while stopping
            inFlight.release();
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
