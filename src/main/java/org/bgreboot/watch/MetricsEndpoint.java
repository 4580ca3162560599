package org.bgreboot.watch;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.time.Instant;
import org.bgreboot.UserError;

/**
 * {@code --metrics-listen ADDR:PORT}: serves the metrics at {@code http://ADDR:PORT/metrics} with
 * the client library's own HTTP server. An address that is taken or not this host's is one line.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HTTPServer server;
    private final RebootMetrics metrics;
    private final String address;

    private MetricsEndpoint(HTTPServer server, RebootMetrics metrics, String address) {
        this.server = server;
        this.metrics = metrics;
        this.address = address;
    }

    /** {@code ADDR:PORT}, {@code :PORT} (every address) or {@code [v6]:PORT}. */
    public static MetricsEndpoint serve(String listen, RebootMetrics metrics) {
        int colon = listen.lastIndexOf(':');
        String host = colon < 0 ? "" : listen.substring(0, colon);
        String port = colon < 0 ? listen : listen.substring(colon + 1);
        if (colon < 0 || !port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
            throw new UserError("--metrics-listen " + listen + " is not ADDRESS:PORT: give e.g. 127.0.0.1:9795 (or :9795 for every address)");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            HTTPServer.Builder b = HTTPServer.builder().port(Integer.parseInt(port)).registry(metrics.registry());
            if (!host.isEmpty()) {
                b.hostname(host);
            }
            return new MetricsEndpoint(b.buildAndStart(), metrics, listen);
        } catch (BindException e) {
            throw new UserError("--metrics-listen " + listen + ": " + (e.getMessage() != null && e.getMessage().contains("in use")
                    ? "the address is in use (another process listens there)" : "cannot listen there (" + e.getMessage() + ")")
                    + ": give another port or address");
        } catch (IOException | RuntimeException e) {
            throw new UserError("--metrics-listen " + listen + ": cannot listen there (" + e.getMessage() + "): give an address of this host");
        }
    }

    public int port() {
        return server.getPort();
    }

    public String address() {
        return address;
    }

    /** Waits (at most {@code limit}) until a scraper has read the metrics after {@code since}; whether one did. */
    public boolean awaitScrapeAfter(Instant since, Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (metrics.lastScrape().isAfter(since)) {
                org.bgreboot.Sleep.ms(1000); // the scrape is counted as it begins: let its answer reach the scraper before closing
                return true;
            }
            org.bgreboot.Sleep.ms(100);
        }
        return false;
    }

    @Override public void close() {
        server.close();
    }
}
