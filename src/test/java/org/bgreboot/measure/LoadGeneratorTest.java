package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    @Test
    void measuresThroughputAndLatency() throws Exception {
        RunClock clock = RunClock.start();
        try (FakeService service = new FakeService()) {
            LoadResult r = LoadGenerator.measure(service.root(), 4, Duration.ofMillis(300), Duration.ofSeconds(5), clock);
            assertThat(r.ok()).isGreaterThan(4);
            assertThat(r.failures()).isZero();
            assertThat(r.requestsPerSecond()).isGreaterThan(0);
            assertThat(r.p50Ms()).isPositive().isLessThanOrEqualTo(r.p99Ms());
            assertThat(r.endMs() - r.startMs()).isGreaterThanOrEqualTo(300);
        }
    }

    @Test
    void countsFailuresWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        LoadResult r = LoadGenerator.measure(URI.create("http://127.0.0.1:" + port + "/"), 2,
                Duration.ofMillis(100), RunClock.start());
        assertThat(r.ok()).isZero();
        assertThat(r.failures()).isPositive();
        assertThat(r.p50Ms()).isNaN();
    }
}
