package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.bgreboot.engine.memory.Fate;
import org.bgreboot.engine.memory.Killed;
import org.bgreboot.engine.memory.MemorySpecs;
import org.bgreboot.engine.memory.ShmTempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baselines on the engine in memory: a guest reboot, a kexec, a power-off and boot of the update's kernel; killed and recovered; not coming back. */
class MemoryInPlaceTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void aNormalRebootRestartsTheGuestInItsInstanceWithEveryWrite() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            RebootResult r = rig.reboot(o -> o.with(Method.NORMAL));
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Rebooted());
            assertThat(rig.world.serving(MemoryRig.VM)).contains("g0");
            rig.assertServes();
        }
    }

    @Test
    void aKexecRebootRestartsTheGuestWithEveryWrite() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            RebootResult r = rig.reboot(o -> o.with(Method.KEXEC));
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Rebooted());
            assertThat(rig.world.console(MemoryRig.VM, "g0")).contains("Starting new kernel");
            rig.assertServes();
        }
    }

    @Test
    void aDirectKernelBootVmIsPoweredOffAndBootedIntoTheUpdate() {
        try (MemoryRig rig = new MemoryRig(dir, s -> MemorySpecs.withKernels(s, dir.resolve("vmlinuz-1"), dir.resolve("vmlinuz-2")))) {
            RebootResult r = rig.reboot(o -> o.with(Method.NORMAL));
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Rebooted());
            assertThat(r.generation()).isEqualTo(1);
            assertThat(rig.state.readState().orElseThrow().boot().orElseThrow().kernel()).isEqualTo(dir.resolve("vmlinuz-2"));
            rig.assertServes();
        }
    }

    @Test
    void bgrebootKilledAfterTheVmRestartedIsRecoveredToTheRestartedVm() {
        try (MemoryRig rig = new MemoryRig(dir, s -> MemorySpecs.withKernels(s, dir.resolve("vmlinuz-1"), dir.resolve("vmlinuz-2")))) {
            rig.faults.crashAt("in-place:rebooted", rig.process);
            assertThatThrownBy(() -> rig.reboot(o -> o.with(Method.NORMAL))).isInstanceOf(Killed.class);
            rig.restart();
            Recovery.Result r = rig.recover();
            assertThat(r.outcome()).contains(new Outcome.Rebooted());
            assertThat(r.action()).isEqualTo("the restarted VM runs the update");
            rig.assertServes();
        }
    }

    @Test
    void bgrebootKilledAfterAGuestRebootIsRecoveredToTheSameInstance() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.crashAt("in-place:rebooted", rig.process);
            assertThatThrownBy(() -> rig.reboot(o -> o.with(Method.NORMAL))).isInstanceOf(Killed.class);
            rig.restart();
            Recovery.Result r = rig.recover();
            assertThat(r.outcome()).contains(new Outcome.Rebooted());
            rig.assertServes();
        }
    }

    @Test
    void aVmThatDoesNotComeBackIsDownAndSaysWhereItsConsoleIs() {
        try (MemoryRig rig = new MemoryRig(dir, s -> MemorySpecs.withKernels(s, dir.resolve("vmlinuz-1"), dir.resolve("vmlinuz-2")))) {
            rig.script().coldBootFates.add(Fate.DIES);
            RebootResult r = rig.reboot(o -> o.with(Method.NORMAL));
            assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Down.class);
            assertThat(((Outcome.Down) r.outcome()).whatToFix()).contains("did not come back from its normal reboot").contains("console");
            assertThat(rig.world.violations()).isEmpty();
        }
    }
}
