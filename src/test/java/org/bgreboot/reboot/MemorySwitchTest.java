package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.bgreboot.UserError;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.engine.memory.MemorySpecs;
import org.bgreboot.engine.memory.ShmTempDir;
import org.bgreboot.engine.memory.World;
import org.bgreboot.spec.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Background reboots that go well, on the engine in memory: both switch modes, both releases, both disk handovers, the governor. */
class MemorySwitchTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void aHandoverSwitchLeavesTheCloneServingWithEveryWrite() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(r.generation()).isEqualTo(1);
            assertThat(r.fgStoppedAfterReady()).isTrue();
            assertThat(r.diskHandover()).contains(DiskHandover.SWAP);
            assertThat(rig.world.serving(MemoryRig.VM)).contains("g1");
            assertThat(rig.world.clockSet(MemoryRig.VM, "g1")).as("the clone's clock was set before the switch").isTrue();
            assertThat(rig.world.acked(MemoryRig.VM).size()).isGreaterThan(10);
            assertThat(rig.world.events()).as("the release froze the persistent disk only").contains("web/g0 froze [/data]");
            rig.assertServes();
        }
    }

    @Test
    void aRestoreSwitchLeavesTheRestoredCloneServingWithEveryWrite() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            RebootResult r = rig.reboot(o -> o.with(SwitchMode.RESTORE));
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(rig.world.serving(MemoryRig.VM)).contains("g1-restored");
            assertThat(rig.world.clockSet(MemoryRig.VM, "g1-restored")).as("a restored clone's clock stood still: set after").isTrue();
            rig.assertServes();
        }
    }

    @Test
    void aReleaseHookAndAHotPlugSwitchAsWell() {
        try (MemoryRig rig = new MemoryRig(dir, s -> MemorySpecs.withSwitchPolicy(s, new VmSpec.SwitchPolicy(VmSpec.SwitchPolicy.Release.HOOK,
                VmSpec.SwitchPolicy.DiskHandover.HOTPLUG)))) {
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(r.diskHandover()).contains(DiskHandover.HOT_PLUG);
            assertThat(r.step(Part.RELEASE_HOOK)).isPresent();
            assertThat(rig.world.events()).contains("web/g0 released the persistent disk (hook)");
            rig.assertServes();
        }
    }

    @Test
    void aQuiescedClonePointFreezesOnlyTheSystemDisksAndThawsThem() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            RebootResult r = rig.reboot(o -> o.quiescing(true));
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(rig.world.events()).containsSubsequence("web/g0 froze [/]", "web/g0 cut onto " + rig.state.disks().resolve("system-0-g0-scratch.qcow2")
                    .toString().transform(p -> "[" + p + "]"), "web/g0 thawed");
            rig.assertServes();
        }
    }

    @Test
    void rebootAfterRebootKeepsTheChainShortAndLeavesNothingBehind() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            for (int i = 1; i <= 3; i++) {
                RebootResult r = rig.reboot(i % 2 == 0 ? o -> o.with(SwitchMode.RESTORE) : o -> o);
                assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
                assertThat(r.generation()).isEqualTo(i);
                assertThat(r.chainDepth()).as("the VM's layer over its base image").isEqualTo(2);
                rig.assertServes();
            }
        }
    }

    @Test
    void aBusyVmHasItsCloneCappedUntilTheDeadlineThenGivenItsFairShare() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.world.busy(MemoryRig.VM, 0.9);
            rig.script().bootMs = 600;
            RebootResult r = rig.reboot(o -> o.withBgDeadline(Optional.of(Duration.ofMillis(300))));
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(rig.world.ceilings(MemoryRig.VM, "g1")).as("capped at a third of a CPU while FG was busy, lifted at the deadline")
                    .startsWith(IdleGovernor.FLOOR).endsWith(1.0);
            BgShareReport share = r.bgShare().orElseThrow();
            assertThat(share.effective()).isEqualTo(BgShare.ADAPTIVE);
            assertThat(share.deadlineReached()).isTrue();
            assertThat(rig.world.share(MemoryRig.VM, "g1")).isEqualTo(CpuShare.NORMAL);
            rig.assertServes();
        }
    }

    @Test
    void aCloneThatCannotBeCappedRunsAtIdlePriorityAndTheReportSaysSo() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.world.busy(MemoryRig.VM, 0.9);
            rig.script().ceiling = false;
            rig.script().bootMs = 150;
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            BgShareReport share = r.bgShare().orElseThrow();
            assertThat(share.requested()).isEqualTo(BgShare.ADAPTIVE);
            assertThat(share.effective()).as("a fallback is not reported as what it replaced").isEqualTo(BgShare.IDLE);
            assertThat(share.note()).contains("cannot be capped").contains("no CPU controller");
            rig.assertServes();
        }
    }

    @Test
    void aPersistentDiskChangedInTheSpecOfARunningVmIsNotHandedOverUnasked() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            World.Fg before = rig.fg();
            VmSpec edited = rig.spec.withIdentity(rig.spec.network(), new VmSpec.PersistentDisk(dir.resolve("other.qcow2"), "qcow2", "other"));
            assertThatThrownBy(() -> Reboots.run(rig.world.engine(MemoryRig.HOST, rig.process).vm(edited, rig.state), rig.options(), rig.progress()))
                    .isInstanceOf(UserError.class).hasMessageContaining("runs with the persistent disk").hasMessageContaining("--take-persistent-disk");
            rig.assertUntouched(before);
        }
    }
}
