package org.bgreboot.measure;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Closed-loop load: {@code concurrency} clients each send GET after GET for {@code duration}, to
 * compare FG's throughput with and without a BG booting beside it.
 *
 * <p>Fresh connections (as the prober), not keep-alive: the guest's service is only promised to
 * speak HTTP/1.0, a new connection per request also exercises the port forward and the guest's
 * TCP stack the way the prober and real new clients see them, and a throughput that depends on
 * whether the guest server happens to honour keep-alive would not compare across guests.
 */
public final class LoadGenerator {

    private LoadGenerator() {}

    public static LoadResult measure(URI url, int concurrency, Duration duration, RunClock clock) {
        return measure(url, concurrency, duration, Duration.ofSeconds(1), clock);
    }

    public static LoadResult measure(URI url, int concurrency, Duration duration, Duration requestTimeout,
                                     RunClock clock) {
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be at least 1");
        long end = System.nanoTime() + duration.toNanos();
        double startMs = clock.nowMs();
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) clients.add(new Client(url, requestTimeout, end, clock));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(clients.get(i), "load-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        double endMs = clock.nowMs();
        long ok = 0, failed = 0;
        List<Double> latencies = new ArrayList<>();
        for (Client c : clients) {
            synchronized (c) {
                ok += c.latencies.size();
                failed += c.failures;
                latencies.addAll(c.latencies);
            }
        }
        double[] lat = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        double seconds = (endMs - startMs) / 1000.0;
        return new LoadResult(ok, failed, seconds > 0 ? ok / seconds : 0,
                Stats.percentile(lat, 50), Stats.percentile(lat, 99), startMs, endMs);
    }

    private static final class Client implements Runnable {
        final URI url;
        final Duration timeout;
        final long endNanos;
        final RunClock clock;
        final List<Double> latencies = new ArrayList<>();
        long failures;

        Client(URI url, Duration timeout, long endNanos, RunClock clock) {
            this.url = url;
            this.timeout = timeout;
            this.endNanos = endNanos;
            this.clock = clock;
        }

        @Override
        public void run() {
            while (System.nanoTime() < endNanos && !Thread.currentThread().isInterrupted()) {
                double sent = clock.nowMs();
                boolean ok;
                try {
                    ok = RawHttp.get(url, timeout).status() == 200;
                } catch (IOException | RuntimeException e) {
                    ok = false;
                }
                double took = clock.nowMs() - sent;
                synchronized (this) {
                    if (ok) latencies.add(took); else failures++;
                }
                if (!ok) pauseAfterFailure();
            }
        }

        /** A refused connection fails in microseconds; don't spin the CPU the VM needs. */
        private static void pauseAfterFailure() {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
