package org.bgreboot.measure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends to the service's ledger on the persistent disk, one request at a time, for as long as it
 * runs: {@code POST /append} answers {@code {"seq":N}} once N is fsynced. Every acknowledged N is
 * recorded with its time, every failure too; failures (503 while the disk moves, refused
 * connections while the VM is down) are expected during a switch and never stop the writer.
 */
public final class AppendWriter implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI appendUrl;
    private final RunClock clock;
    private final Duration requestTimeout;
    private final Duration pause;
    private final List<Ack> acks = new ArrayList<>();
    private final List<WriteFailure> failures = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running;
    private boolean started;
    private boolean stopped;

    /** 1 s request timeout, 5 ms pause between requests. */
    public AppendWriter(URI base, RunClock clock) {
        this(base, clock, Duration.ofSeconds(1), Duration.ofMillis(5));
    }

    public AppendWriter(URI base, RunClock clock, Duration requestTimeout, Duration pause) {
        this.appendUrl = base.resolve("/append");
        this.clock = clock;
        this.requestTimeout = requestTimeout;
        this.pause = pause;
        this.thread = new Thread(this::loop, "append-writer");
        thread.setDaemon(true);
    }

    public synchronized void start() {
        if (started || stopped) throw new IllegalStateException("a writer runs once");
        started = true;
        running = true;
        thread.start();
    }

    /** Stops after the request in flight (so its ack, if any, is recorded) and returns what was seen. */
    public synchronized WriteLog stop() {
        if (!stopped) {
            stopped = true;
            running = false;
            if (started) {
                thread.interrupt(); // wakes the pause; a blocking socket read ignores it and finishes
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return snapshot();
    }

    /** What was seen so far, while the writer keeps running. */
    public WriteLog snapshot() {
        synchronized (acks) {
            return new WriteLog(acks, failures);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void loop() {
        while (running) {
            appendOnce();
            try {
                Thread.sleep(pause.toMillis(), pause.toNanosPart() % 1_000_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void appendOnce() {
        double sent = clock.nowMs();
        RawHttp.Response response;
        try {
            response = RawHttp.post(appendUrl, "", requestTimeout);
        } catch (IOException | RuntimeException e) {
            record(null, new WriteFailure(sent, clock.nowMs(), 0, Errors.describe(e)));
            return;
        }
        double at = clock.nowMs();
        if (response.status() != 200) {
            record(null, new WriteFailure(sent, at, response.status(), "HTTP " + response.status()));
            return;
        }
        try {
            JsonNode seq = JSON.readTree(response.body()).get("seq");
            if (seq == null || !seq.canConvertToLong()) throw new IOException("no integer seq in " + response.body());
            record(new Ack(seq.asLong(), at), null);
        } catch (IOException | RuntimeException e) {
            record(null, new WriteFailure(sent, at, 200, "unparsable answer: " + Errors.describe(e)));
        }
    }

    private void record(Ack ack, WriteFailure failure) {
        synchronized (acks) {
            if (ack != null) acks.add(ack);
            if (failure != null) failures.add(failure);
        }
    }
}
