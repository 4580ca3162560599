package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.engine.memory.ShmTempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Background reboots that go well, both switch modes, on the engine in memory. */
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
            assertThat(rig.world.acked(MemoryRig.VM).size()).isGreaterThan(10);
            rig.assertServes();
        }
    }

    @Test
    void aRestoreSwitchLeavesTheRestoredCloneServingWithEveryWrite() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            RebootResult r = rig.reboot(o -> o.with(SwitchMode.RESTORE));
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(rig.world.serving(MemoryRig.VM)).contains("g1-restored");
            rig.assertServes();
        }
    }
}
