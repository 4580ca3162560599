package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bgreboot.experiment.Lab;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.Journal;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.engine.embedded.QemuProcess;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.spec.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A clone that never becomes ready is discarded; FG keeps serving, exactly as it was. */
@ExtendWith(KillStrayVms.class)
class AbortIT {

    @Test
    void anUpdateWhoseKernelPanicsIsAbortedAndFgKeepsServing() throws Exception {
        EmbeddedVm vm = TestVms.newDemoVm("panic");
        VmSpec.KernelBoot update = vm.spec().update().orElseThrow().boot().orElseThrow();
        VmSpec.KernelBoot panicking = new VmSpec.KernelBoot(update.kernel(), update.initrd(), update.cmdline() + " bgreboot.panic=1");
        RebootMeasurement m = abortedReboot(vm, vm, clock -> RebootOptions.background(clock).withKernel(Optional.of(panicking)));
        assertThat(m.reboot().failure().orElseThrow()).contains("panicked");
    }

    /**
     * Starts {@code vm} fresh, reboots it as {@code rebooted} (the same VM, perhaps with another
     * spec), which must abort; checks FG served throughout and is exactly as before.
     */
    private static RebootMeasurement abortedReboot(EmbeddedVm vm, EmbeddedVm rebooted, java.util.function.Function<RunClock, RebootOptions> options)
            throws Exception {
        Lab lab = TestVms.lab();
        lab.freshStart(vm);
        String bootId = Http.identity(vm.spec()).path("boot_id").asText();
        List<Path> disksBefore = files(vm.stateDir().disks());
        var stateBefore = vm.stateDir().readState().orElseThrow();
        long fgPid = vm.running().orElseThrow().pid();

        RunClock clock = RunClock.start();
        RebootMeasurement m = MeasuredReboot.run(MeasuredReboot.serviceUri(vm.spec()), clock, TestVms.progress(), () -> lab.reboot(rebooted, options.apply(clock)));

        assertThat(m.reboot().aborted()).isTrue();
        assertThat(m.downtime().downtimeMs()).as("downtime of an aborted reboot").isZero();
        assertThat(m.downtime().maxGapMs()).as("FG kept answering").isLessThan(5_000);
        assertThat(m.ledger().missingAcked()).isEmpty();
        assertThat(Http.identity(vm.spec()).path("boot_id").asText()).as("the same boot of FG serves").isEqualTo(bootId);
        assertThat(Http.identity(vm.spec()).path("version").asText()).isEqualTo("v1");
        try (QemuProcess fg = vm.running().orElseThrow()) {
            assertThat(fg.pid()).isEqualTo(fgPid);
            assertThat(fg.qmp().execute("query-status").path("status").asText()).isEqualTo("running");
            assertThat(topFile(fg)).as("FG writes to its own overlay again").isEqualTo(stateBefore.systemOverlays().get(0).toString());
        }
        assertThat(vm.stateDir().readState().orElseThrow()).isEqualTo(stateBefore);
        assertThat(files(vm.stateDir().disks())).isEqualTo(disksBefore);
        assertThat(Journal.active(vm.stateDir())).isEmpty();
        assertThat(vm.inspection().leftovers()).isEmpty();
        lab.stop(vm);
        return m;
    }

    private static String topFile(QemuProcess fg) {
        for (JsonNode b : fg.qmp().execute("query-block")) {
            if (b.path("qdev").asText().contains("/sys0-dev/")) {
                return b.path("inserted").path("file").asText();
            }
        }
        throw new AssertionError("no system disk");
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
