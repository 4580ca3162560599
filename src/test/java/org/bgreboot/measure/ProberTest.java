package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.bgreboot.measure.FakeService.Mode;
import org.junit.jupiter.api.Test;

class ProberTest {

    private static final Duration INTERVAL = Duration.ofMillis(10);
    private static final Duration TIMEOUT = Duration.ofMillis(150);

    @Test
    void sendsOneRequestAtATimeAndRecordsTheTimeoutsWhileRequestsHang() throws Exception {
        RunClock clock = RunClock.start();
        try (FakeService service = new FakeService(); Prober prober = new Prober(service.root(), INTERVAL, TIMEOUT, clock)) {
            prober.start();
            // the first answers come before the service hangs, however slowly a busy host lets the first connection happen
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (prober.snapshot().samples().stream().noneMatch(ProbeSample::ok) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(100);
            service.mode(Mode.SLOW);
            double slowFrom = clock.nowMs();
            Thread.sleep(1000);
            double slowTo = clock.nowMs();
            service.mode(Mode.V1);
            Thread.sleep(300);
            ProbeLog log = prober.stop();

            List<ProbeSample> hung = sentWithin(log, slowFrom, slowTo - 200);
            // one request at a time: a hung one holds the next back until its timeout
            assertThat(hung).as("probes sent while requests hang").hasSizeBetween(1, (int) ((slowTo - slowFrom) / TIMEOUT.toMillis()) + 2);
            assertThat(hung).allSatisfy(s -> {
                assertThat(s.ok()).isFalse();
                assertThat(s.error()).contains("timeout");
                assertThat(s.latencyMs()).isLessThan(TIMEOUT.toMillis() + 900);
            });
            List<ProbeSample> all = log.samples();
            for (int i = 1; i < all.size(); i++) {
                assertThat(all.get(i).sentMs()).as("sent after the one before ended").isGreaterThanOrEqualTo(all.get(i - 1).answeredMs() - 1);
            }
            // Answers before and after are good and carry the service's identity.
            assertThat(sentWithin(log, 0, slowFrom - 50)).filteredOn(ProbeSample::ok).isNotEmpty().allSatisfy(s -> {
                assertThat(s.ok()).isTrue();
                assertThat(s.httpStatus()).isEqualTo(200);
                assertThat(s.version()).isEqualTo("v1");
                assertThat(s.kernel()).isEqualTo("6.1.0-50-cloud-amd64");
                assertThat(s.bootId()).isEqualTo("boot-1111");
            });
            assertThat(sentWithin(log, slowTo + 50, Double.MAX_VALUE)).anySatisfy(s -> assertThat(s.ok()).isTrue());
        }
    }

    @Test
    void keepsItsCadenceWhileTheServiceAnswers() throws Exception {
        RunClock clock = RunClock.start();
        try (FakeService service = new FakeService(); Prober prober = new Prober(service.root(), INTERVAL, TIMEOUT, clock)) {
            prober.start();
            Thread.sleep(1000);
            ProbeLog log = prober.stop();
            // every interval while answers are quick; a loaded CI machine still manages a third
            assertThat((double) log.samples().size()).isBetween(1000.0 / INTERVAL.toMillis() / 3, 1000.0 / INTERVAL.toMillis() + 2);
        }
    }

    @Test
    void findsTheOutageOfARebootByTheBootIdChange() throws Exception {
        RunClock clock = RunClock.start();
        try (FakeService service = new FakeService(); Prober prober = new Prober(service.root(), INTERVAL, TIMEOUT, clock)) {
            prober.start();
            Thread.sleep(300);
            double rebootStart = clock.nowMs();
            service.mode(Mode.DOWN);
            double downFrom = clock.nowMs();
            Thread.sleep(500);
            double downTo = clock.nowMs();
            service.mode(Mode.V2);
            double upAt = clock.nowMs();
            Thread.sleep(300);
            ProbeLog log = prober.stop();

            DowntimeResult d = Downtime.analyze(log, rebootStart);
            assertThat(d.newBootSeen()).isTrue();
            // The old service answered until it stopped, the new one only after it listened.
            // Bounds leave room for a starved machine: an answer may be read late, a new server answer slowly.
            assertThat(d.downtimeMs()).isGreaterThan((downTo - downFrom) / 2).isLessThan(upAt - rebootStart + 1000);
            assertThat(d.lastOldMs()).isLessThan(downFrom + 250);
            assertThat(d.firstNewMs()).isGreaterThanOrEqualTo(downTo);
            assertThat(d.versionBefore()).isEqualTo("v1");
            assertThat(d.versionAfter()).isEqualTo("v2");
            assertThat(d.kernelAfter()).isEqualTo("6.1.0-56-cloud-amd64");
            assertThat(d.bootIdBefore()).isEqualTo("boot-1111");
            assertThat(d.bootIdAfter()).isEqualTo("boot-2222");
            assertThat(d.timeToNewOsMs()).isEqualTo(d.firstNewMs() - rebootStart);
            assertThat(d.maxGapMs()).isGreaterThanOrEqualTo(d.downtimeMs());

            List<ProbeSample> refused = sentWithin(log, downFrom + 20, downTo - 20);
            assertThat(refused).hasSizeGreaterThan(5).allSatisfy(s -> {
                assertThat(s.ok()).isFalse();
                assertThat(s.httpStatus()).isZero();
                assertThat(s.error()).isNotBlank();
            });
        }
    }

    @Test
    void readsAnswersWithoutContentLengthToTheEndOfTheConnection() throws Exception {
        RunClock clock = RunClock.start();
        try (FakeService service = new FakeService();
             Prober prober = new Prober(service.root(), INTERVAL, Duration.ofSeconds(3), clock)) {
            service.mode(Mode.V1_NO_LENGTH);
            prober.start();
            Thread.sleep(150);
            ProbeLog log = prober.stop();
            assertThat(log.samples()).isNotEmpty().allSatisfy(s -> assertThat(s.version()).isEqualTo("v1"));
        }
    }

    @Test
    void samplesAreSortedBySendTimeAndSnapshotsDoNotStopTheProber() throws Exception {
        RunClock clock = RunClock.start();
        try (FakeService service = new FakeService(); Prober prober = new Prober(service.root(), INTERVAL, TIMEOUT, clock)) {
            prober.start();
            Thread.sleep(100);
            int early = prober.snapshot().samples().size();
            Thread.sleep(100);
            ProbeLog log = prober.stop();
            assertThat(log.samples().size()).isGreaterThan(early);
            assertThat(log.samples()).isSortedAccordingTo((a, b) -> Double.compare(a.sentMs(), b.sentMs()));
        }
    }

    private static List<ProbeSample> sentWithin(ProbeLog log, double from, double to) {
        return log.samples().stream().filter(s -> s.sentMs() >= from && s.sentMs() <= to).toList();
    }
}
