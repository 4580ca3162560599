package org.bgreboot.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.bgreboot.Teardown;

/**
 * A real Prometheus server (Debian's {@code prometheus}) for a demo: started on a private port with
 * a configuration written here (one job scraping one target every second), its data in a folder of
 * the demo's, stopped by its pid (and taken down by pid if the demo is stopped early). Asked only
 * through its HTTP API.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final String address;
    private final Teardown.Registration teardown;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, String address, Teardown.Registration teardown) {
        this.process = process;
        this.address = address;
        this.teardown = teardown;
    }

    /** Starts it at {@code listen} (ADDR:PORT) scraping {@code target} (ADDR:PORT, /metrics) as job {@code job}; waits until it is ready. */
    public static PrometheusServer start(Path dir, String listen, String target, String job) {
        try {
            Files.createDirectories(dir.resolve("data"));
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    # written by bgreboot's watch demo
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: %s
                        scrape_interval: 1s
                        scrape_timeout: 900ms
                        static_configs:
                          - targets: ['%s']
                    """.formatted(job, target));
            Process p = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=" + listen, "--storage.tsdb.retention.time=1d")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            Teardown.Registration down = Teardown.onExit("Prometheus (pid " + p.pid() + ")", () -> stop(p));
            PrometheusServer s = new PrometheusServer(p, listen, down);
            s.awaitReady(Duration.ofSeconds(60), dir.resolve("prometheus.log"));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start prometheus (Debian's package 'prometheus')", e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public String address() {
        return address;
    }

    private void awaitReady(Duration limit, Path log) {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited at start: " + tail(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            org.bgreboot.Sleep.ms(200);
        }
        close();
        throw new IllegalStateException("prometheus was not ready within " + limit.toSeconds() + " s: " + tail(log));
    }

    /** An instant query through {@code /api/v1/query}: the result vector as Prometheus sent it. */
    public JsonNode query(String promql) {
        URI u = URI.create("http://" + address + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode j = JSON.readTree(r.body());
            if (!"success".equals(j.path("status").asText())) {
                throw new IllegalStateException("prometheus refused " + promql + ": " + r.body());
            }
            return j.path("data").path("result");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot ask prometheus " + promql, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String tail(Path log) {
        try {
            return String.join(" | ", Files.readAllLines(log).stream().skip(Math.max(0, Files.readAllLines(log).size() - 3)).toList());
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void stop(Process p) {
        p.destroy(); // SIGTERM: it flushes and exits
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override public void close() {
        stop(process);
        teardown.close();
    }
}
