package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.experiment.Lab;
import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.report.RebootMeasurement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reboots beside two busy loops at normal priority, as on a host that other work keeps busy: the
 * VM keeps answering while its clone boots (the clone boots in its idle time, and the prober is one
 * client, as a client is), and an aborted reboot costs nothing. That a host that is never idle still
 * finishes the reboot once the clone's deadline gives it its fair share is the governor's logic,
 * tested on the engine in memory (MemorySwitchTest); the kernel's count of the clone's throttled
 * time is checked here, against the windows it was capped in.
 *
 * <p>The bounds are generous on purpose: a shared CI machine may be slower still than two busy
 * loops make it. A gap of a second is what a lost SYN costs a client; the switch itself is
 * measured in tens of milliseconds elsewhere.
 */
@ExtendWith(KillStrayVms.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BusyHostIT {
    private static final List<Process> hogs = new ArrayList<>();
    private static EmbeddedVm vm;
    private static Lab lab;

    @BeforeAll
    static void busyHost() throws IOException {
        for (int i = 0; i < 2; i++) {
            hogs.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
        }
        lab = TestVms.lab();
        vm = TestVms.newDemoVm("busy");
    }

    @AfterAll
    static void idleHost() {
        hogs.forEach(Process::destroyForcibly);
        if (vm != null) {
            lab.stop(vm);
        }
    }

    @Test
    @Order(1)
    void theVmKeepsAnsweringWhileItsCloneBootsBesideBusyLoops() {
        lab.freshStart(vm);
        RunClock clock = RunClock.start();
        RebootMeasurement m = MeasuredReboot.run(MeasuredReboot.serviceUri(vm.spec()), clock, TestVms.progress(),
                () -> lab.reboot(vm, RebootOptions.background(clock).with(BgShare.ADAPTIVE)));
        assertThat(m.reboot().aborted()).as(m.reboot().failure().orElse("")).isFalse();
        double gap = Downtime.longestGapMs(m.probes(), m.reboot().bgLaunchedAtMs(), m.reboot().bgReadyAtMs());
        System.out.printf("busy host: largest gap while the clone booted %.0f ms; clone boot %.1f s, capped %.1f s; downtime %.0f ms%n",
                gap, m.reboot().bgReadyMs() / 1000, m.reboot().bgShare().orElseThrow().cappedMs() / 1000, m.downtime().downtimeMs());
        assertThat(gap).as("largest gap in FG's answers while the clone booted").isLessThan(1_000);
        assertThat(m.downtime().versionAfter()).isEqualTo("v2");
        assertThat(m.ledger().missingAcked()).isEmpty();
        // the kernel's count of time held back: zero when the idle weight alone kept the clone under
        // its quota, never more than the capped windows (one 100-ms period and a sample of slack)
        var share = m.reboot().bgShare().orElseThrow();
        assertThat(share.cappedMs()).as("cgroup throttled time").isNotNaN().isBetween(0.0, share.cappedWindowsMs() + 500.0);
    }

    @Test
    @Order(2)
    void anAbortedRebootBesideBusyLoopsCostsNothing() {
        lab.freshStart(vm);
        Path spec = vm.spec().file();
        String text = TestVms.read(spec);
        EmbeddedVm strict = TestVms.engine().vm(TestVms.variant(spec, s -> s.replace("timeout = \"10m\"", "timeout = \"15s\"")
                .replace("commands = [ ", "commands = [ [\"/bin/false\"], ")), vm.stateDir());
        try {
            RunClock clock = RunClock.start();
            RebootMeasurement m = MeasuredReboot.run(MeasuredReboot.serviceUri(vm.spec()), clock, TestVms.progress(),
                    () -> lab.reboot(strict, RebootOptions.background(clock).with(BgShare.ADAPTIVE)));
            assertThat(m.reboot().aborted()).isTrue();
            assertThat(m.downtime().downtimeMs()).as("downtime of an aborted reboot").isZero();
            assertThat(m.downtime().maxGapMs()).as("FG kept answering").isLessThan(1_000);
            assertThat(m.ledger().missingAcked()).isEmpty();
        } finally {
            TestVms.rewrite(spec, s -> text);
        }
    }
}
