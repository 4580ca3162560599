package org.bgreboot.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.bgreboot.UserError;
import org.junit.jupiter.api.Test;

/** The metrics as Prometheus scrapes them: the client library's own text format, over HTTP. */
class MetricsEndpointTest {
    static final String LISTEN = "127.0.0.1:16711";

    @Test void servesTheMetricsByNameAndRefusesATakenAddressInOneLine() throws Exception {
        RebootMetrics m = new RebootMetrics();
        m.required("qemu:///system", "web", true);
        m.started("qemu:///system");
        m.ended("qemu:///system", "web", "switched", Instant.ofEpochSecond(1_800_000_000));
        m.downtime("qemu:///system", RebootMetrics.DowntimeSource.PROBER, 0.042);
        m.cloneBoot("qemu:///system", 12.5);
        m.lockHolder("qemu:///system", java.util.Optional.of("watch (pid 1 on h)"));
        try (MetricsEndpoint e = MetricsEndpoint.serve(LISTEN, m)) {
            Instant before = Instant.now();
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + LISTEN + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(text)
                    .contains("bgreboot_reboot_required{host=\"qemu:///system\",vm=\"web\"} 1.0")
                    .contains("bgreboot_reboots_total{host=\"qemu:///system\",outcome=\"switched\"} 1.0")
                    .contains("bgreboot_reboots_in_progress{host=\"qemu:///system\"} 0.0")
                    .contains("bgreboot_background_downtime_seconds_bucket{host=\"qemu:///system\",source=\"prober\",le=\"0.05\"} 1")
                    .contains("bgreboot_background_downtime_seconds_count{host=\"qemu:///system\",source=\"prober\"} 1")
                    .contains("bgreboot_clone_boot_seconds_bucket{host=\"qemu:///system\",le=\"20.0\"} 1")
                    .contains("bgreboot_last_successful_reboot_timestamp_seconds{host=\"qemu:///system\",vm=\"web\"} 1.8E9")
                    .contains("bgreboot_watch_lock_holder{holder=\"watch (pid 1 on h)\",host=\"qemu:///system\"} 1.0")
                    .contains("# HELP bgreboot_background_downtime_seconds Downtime of each switched background reboot");
            assertThat(e.awaitScrapeAfter(before.minusSeconds(1), java.time.Duration.ofSeconds(1))).isTrue();
            assertThatThrownBy(() -> MetricsEndpoint.serve(LISTEN, new RebootMetrics())).isInstanceOf(UserError.class)
                    .hasMessage("--metrics-listen " + LISTEN + ": the address is in use (another process listens there): give another port or address");
        }
        assertThatThrownBy(() -> MetricsEndpoint.serve("localhost", new RebootMetrics())).isInstanceOf(UserError.class)
                .hasMessageStartingWith("--metrics-listen localhost is not ADDRESS:PORT");
    }
}
