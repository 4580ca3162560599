package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.experiment.Lab;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.Journal;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.engine.embedded.Priority;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.state.VmState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A background reboot of a real demo guest, with the prober and writer running. */
@ExtendWith(KillStrayVms.class)
class BackgroundRebootIT {

    @Test
    void rebootsIntoTheUpdateKeepingEveryAcknowledgedWrite() throws Exception {
        EmbeddedVm vm = TestVms.newDemoVm("bg");
        Lab lab = TestVms.lab();
        lab.freshStart(vm);
        VmState before = vm.stateDir().readState().orElseThrow();
        RunClock clock = RunClock.start();
        RebootMeasurement m;
        try (OpenFileWatch watch = new OpenFileWatch(vm.spec().persistentDisk().path())) {
            m = MeasuredReboot.run(MeasuredReboot.serviceUri(vm.spec()), clock, TestVms.progress(), () -> lab.reboot(vm, RebootOptions.background(clock)));
            watch.assertHandedOverCleanly();
            assertThat(watch.maxSimultaneous()).as("QEMU processes with the persistent disk open at once").isEqualTo(1);
            assertThat(watch.holders()).as("FG, then the clone").hasSize(2);
        }

        Headline.assertSwitched(m);
        assertThat(m.downtime().versionBefore()).isEqualTo("v1");
        assertThat(m.downtime().versionAfter()).isEqualTo("v2");
        assertThat(m.downtime().kernelAfter()).isEqualTo(TestVms.demoImage().last().kernelRelease());
        assertThat(m.ledger().ackedCount()).isGreaterThan(10);
        assertThat(m.writesDuringBgBoot()).as("writes acknowledged while the clone booted").isGreaterThan(0);
        // FG's pause is the clone point's cut alone (a sync runs before it): a few ms here, 2 s only on a host stalled outright
        assertThat(m.reboot().fgPauseMs()).isLessThan(2_000);

        VmState after = vm.stateDir().readState().orElseThrow();
        assertThat(after.generation()).isEqualTo(before.generation() + 1);
        assertThat(after.boot().orElseThrow().kernel()).isEqualTo(vm.spec().update().orElseThrow().boot().orElseThrow().kernel());
        assertThat(Journal.active(vm.stateDir())).isEmpty();
        assertThat(vm.inspection().leftovers()).isEmpty();
        assertThat(m.reboot().chainDepth()).isLessThanOrEqualTo(3);
        long pid = vm.running().orElseThrow().pid();
        assertThat(Priority.policy(pid)).isEqualTo("SCHED_OTHER");
        for (Path old : before.systemOverlays()) {
            assertThat(Files.exists(old)).as("old generation layer streamed out and removed: " + old).isFalse();
        }
        lab.stop(vm);
        assertThat(vm.inspection().leftovers()).isEmpty();
    }

}
