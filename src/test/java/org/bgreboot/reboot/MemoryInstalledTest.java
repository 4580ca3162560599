package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.bgreboot.UserError;
import org.bgreboot.engine.memory.MemorySpecs;
import org.bgreboot.engine.memory.ShmTempDir;
import org.bgreboot.engine.memory.World;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reboots into what the guest installed itself, on the engine in memory: the needs-reboot gate and the package manager at the clone point. */
class MemoryInstalledTest {
    private static final String NOTHING_NEW = "running=6.1.0-57-amd64\nkernel=6.1.0-50-amd64\nkernel=6.1.0-57-amd64\n";

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void aGuestThatInstalledANewerKernelIsRebootedIntoWhatItsBootLoaderBoots() {
        try (MemoryRig rig = new MemoryRig(dir, MemorySpecs::selfUpdating)) {
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(r.installMs()).as("nothing installed by bgreboot").isZero();
            assertThat(rig.story()).contains("needs a reboot? yes: /run/reboot-required (linux-image-6.1.0-57-amd64)");
            rig.assertServes();
        }
    }

    @Test
    void aGuestThatNeedsNoRebootIsRefusedInOneLineWithNothingCreatedUnlessForced() {
        try (MemoryRig rig = new MemoryRig(dir, MemorySpecs::selfUpdating)) {
            rig.script().installed = NOTHING_NEW;
            World.Fg before = rig.fg();
            assertThatThrownBy(rig::reboot).isInstanceOf(UserError.class).hasMessageContaining("needs no reboot: it runs kernel 6.1.0-57-amd64")
                    .hasMessageContaining("--force");
            assertThat(rig.world.changedSince(before)).as("a refusal in PREPARE changes nothing").isEmpty();
            RebootResult forced = rig.reboot(o -> o.forcing(true));
            assertThat(forced.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            rig.assertServes();
        }
    }

    @Test
    void theClonePointWaitsWhileDpkgWorks() {
        try (MemoryRig rig = new MemoryRig(dir, MemorySpecs::selfUpdating)) {
            rig.script().dpkgBusyLooks = 1;
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(rig.story()).contains("the guest's package manager is at work: waiting for it before the clone point");
            rig.assertServes();
        }
    }

    /** A clone of a half-installed system is never booted: the reboot aborts before it launches anything. */
    @Test
    void dpkgThatBeganAcrossTheCutAbortsWithFgUntouched() {
        try (MemoryRig rig = new MemoryRig(dir, MemorySpecs::selfUpdating)) {
            rig.script().dpkgAtTheCut = true;
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Aborted.class);
            assertThat(r.failure()).get().asString().contains("package manager took /var/lib/dpkg/lock at the clone point");
            assertThat(r.bgLaunchedAtMs()).as("no clone was launched").isNaN();
            rig.assertUntouched(before);
        }
    }
}
