package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class DowntimeTest {

    @Test
    void noNewBootMeansNoDowntime() {
        ProbeLog log = new SyntheticLog().good(0, 2000, "v1", "A").log();
        DowntimeResult d = Downtime.analyze(log, 500);
        assertThat(d.downtimeMs()).isZero();
        assertThat(d.newBootSeen()).isFalse();
        assertThat(d.versionAfter()).isEqualTo(d.versionBefore()).isEqualTo("v1");
        assertThat(d.kernelAfter()).isEqualTo("kernel-v1");
        assertThat(d.bootIdAfter()).isEqualTo("A");
        assertThat(d.firstNewMs()).isNaN();
        assertThat(d.timeToNewOsMs()).isNaN();
        assertThat(d.lastOldMs()).isEqualTo(1992);
        assertThat(d.maxGapMs()).isCloseTo(10, within(1e-9));
    }

    @Test
    void abortedRebootStillReportsFgDisturbanceAsMaxGap() {
        // FG paused 120 ms while the clone was taken, then the reboot was aborted.
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").refused(1000, 1120).good(1120, 2000, "v1", "A").log();
        DowntimeResult d = Downtime.analyze(log, 900);
        assertThat(d.downtimeMs()).isZero();
        assertThat(d.maxGapMs()).isCloseTo(130, within(1e-9));
        assertThat(Downtime.longestGapMs(log, 1050, 1060)).isCloseTo(130, within(1e-9));
        assertThat(Downtime.longestGapMs(log, 1500, 1600)).isCloseTo(10, within(1e-9));
    }

    @Test
    void downtimeSpansTheBootChange() {
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").refused(1000, 1500).good(1500, 2000, "v2", "B").log();
        DowntimeResult d = Downtime.analyze(log, 800);
        assertThat(d.lastOldMs()).isEqualTo(992);
        assertThat(d.firstNewMs()).isEqualTo(1502);
        assertThat(d.downtimeMs()).isCloseTo(510, within(1e-9));
        assertThat(d.timeToNewOsMs()).isCloseTo(702, within(1e-9));
        assertThat(d.versionBefore()).isEqualTo("v1");
        assertThat(d.versionAfter()).isEqualTo("v2");
        assertThat(d.kernelAfter()).isEqualTo("kernel-v2");
        assertThat(d.bootIdBefore()).isEqualTo("A");
        assertThat(d.bootIdAfter()).isEqualTo("B");
        assertThat(d.maxGapMs()).isEqualTo(d.downtimeMs());
    }

    @Test
    void aCloneThatAnsweredAndWasReplacedByAColdBootIsNotTheNewOs() {
        // The clone (B) answered for 200 ms, its attach failed, the updated disks were cold-booted (C).
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").refused(1000, 1050).good(1050, 1250, "v2", "B")
                .refused(1250, 5000).good(5000, 5500, "v2", "C").log();
        DowntimeResult d = Downtime.analyze(log, 800);
        assertThat(d.bootIdAfter()).isEqualTo("C");
        assertThat(d.downtimeMs()).isCloseTo(4010, within(1e-9));
        assertThat(d.maxGapMs()).isCloseTo(3760, within(1e-9));
    }

    @Test
    void aCloneThatAnsweredBeforeARollbackIsNoNewBoot() {
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").good(1000, 1100, "v2", "B").good(1100, 2000, "v1", "A").log();
        DowntimeResult d = Downtime.analyze(log, 800);
        assertThat(d.newBootSeen()).isFalse();
        assertThat(d.downtimeMs()).isZero();
    }

    @Test
    void jitterGapsBeforeTheChangeDoNotCount() {
        // A 300 ms stall of the old OS long before the switch, then a 100 ms switch.
        ProbeLog log = new SyntheticLog().good(0, 500, "v1", "A").refused(500, 800).good(800, 1500, "v1", "A")
                .refused(1500, 1590).good(1590, 2000, "v2", "B").log();
        DowntimeResult d = Downtime.analyze(log, 1000);
        assertThat(d.downtimeMs()).isCloseTo(100, within(1e-9));
        assertThat(d.maxGapMs()).isCloseTo(310, within(1e-9));
    }

    @Test
    void aSwitchWithoutFailedProbesStillHasTheGapBetweenAnswers() {
        // BG answers the very next probe: downtime is the answer spacing, not zero.
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").good(1000, 1500, "v2", "B").log();
        assertThat(Downtime.analyze(log, 500).downtimeMs()).isCloseTo(10, within(1e-9));
    }

    @Test
    void aVersionChangeWithoutABootIdChangeIsNotAReboot() {
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").good(1000, 2000, "v1-patched", "A").log();
        DowntimeResult d = Downtime.analyze(log, 500);
        assertThat(d.newBootSeen()).isFalse();
        assertThat(d.downtimeMs()).isZero();
    }

    @Test
    void aLateAnswerOfTheOldOsAfterTheNewOneDoesNotShrinkTheDowntime() {
        // A request to the old OS hung and was answered after the new OS had already answered.
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").refused(1000, 1400).good(1400, 2000, "v2", "B")
                .add(SyntheticLog.answer(1005, 600, "v1", "A")).log();
        DowntimeResult d = Downtime.analyze(log, 900);
        assertThat(d.lastOldMs()).isEqualTo(992);
        assertThat(d.firstNewMs()).isEqualTo(1402);
        assertThat(d.downtimeMs()).isCloseTo(410, within(1e-9));
    }

    @Test
    void theOldOsIsTheOneAnsweringWhenTheRebootStarts() {
        // An earlier reboot (boot 0 -> A) is in the log too; the one measured starts at 1000.
        ProbeLog log = new SyntheticLog().good(0, 300, "v0", "0").refused(300, 400).good(400, 1200, "v1", "A")
                .refused(1200, 1300).good(1300, 1600, "v2", "B").log();
        DowntimeResult d = Downtime.analyze(log, 1000);
        assertThat(d.bootIdBefore()).isEqualTo("A");
        assertThat(d.bootIdAfter()).isEqualTo("B");
        assertThat(d.downtimeMs()).isCloseTo(110, within(1e-9));
    }

    @Test
    void aVmThatNeverCameBackIsNotReportedAsNoDowntime() {
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").refused(1000, 3000).log();
        DowntimeResult d = Downtime.analyze(log, 900);
        assertThat(d.newBootSeen()).isFalse();
        assertThat(d.downtimeMs()).as("a lower bound: down until the end of the log").isGreaterThan(1900);
    }

    @Test
    void aLogWithoutAnyGoodAnswerHasNoDowntimeToGive() {
        DowntimeResult d = Downtime.analyze(new SyntheticLog().refused(0, 500).log(), 100);
        assertThat(d.downtimeMs()).isNaN();
        assertThat(d.versionBefore()).isNull();
        assertThat(d.maxGapMs()).isGreaterThan(490);
        assertThat(Downtime.analyze(new ProbeLog(List.of()), 0).downtimeMs()).isNaN();
    }

    @Test
    void gapWindowCountsOnlyGapsThatOverlapIt() {
        ProbeLog log = new SyntheticLog().good(0, 500, "v1", "A").refused(500, 700).good(700, 1000, "v1", "A")
                .refused(1000, 1050).good(1050, 1500, "v1", "A").log();
        assertThat(Downtime.longestGapMs(log, 0, 400)).isCloseTo(10, within(1e-9));
        assertThat(Downtime.longestGapMs(log, 600, 650)).isCloseTo(210, within(1e-9));
        assertThat(Downtime.longestGapMs(log, 900, 1200)).isCloseTo(60, within(1e-9));
        assertThat(Downtime.longestGapMs(log, 0, 2000)).isCloseTo(210, within(1e-9));
    }
}
