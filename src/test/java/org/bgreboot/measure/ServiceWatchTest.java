package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;

import org.bgreboot.measure.FakeService.Mode;
import org.junit.jupiter.api.Test;

class ServiceWatchTest {

    @Test
    void aWatchStoppedWhileTheServiceIsDownGoesOnUntilTheNewOsAnswers() throws Exception {
        try (FakeService service = new FakeService()) {
            RunClock clock = RunClock.start();
            ServiceWatch.Seen seen;
            try (ServiceWatch watch = ServiceWatch.start(service.root(), clock)) {
                service.mode(Mode.DOWN);
                // the reboot "ends" here (the guest passed its checks inside) while clients still cannot reach it
                Thread comesBack = new Thread(() -> {
                    try {
                        Thread.sleep(3000); // past the watch's 1.5-s settling, so only the wait for an answer sees it
                        service.mode(Mode.V2);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                comesBack.start();
                seen = watch.stop();
                comesBack.join();
            }
            DowntimeResult d = Downtime.analyze(seen.probes(), 0);
            assertThat(d.newBootSeen()).as("the new OS's first answer is in the log").isTrue();
            assertThat(d.versionAfter()).isEqualTo("v2");
            // the whole outage: generous above (a busy host), but no less than the 3 s it lasted
            assertThat(d.downtimeMs()).isBetween(2900.0, 20_000.0);
            assertThat(seen.ledgerUnreadable()).isEmpty();
        }
    }
}
