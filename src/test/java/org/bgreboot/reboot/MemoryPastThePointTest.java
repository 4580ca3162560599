package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bgreboot.engine.memory.Fate;
import org.bgreboot.engine.memory.ShmTempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Past the point of no return a reboot only goes forward: a step that cannot complete (the clone
 * died, the disk refused, the attach hook failed twice) ends with the updated disks cold-booted
 * with the persistent disk ({@link Outcome.ColdBooted}, naming the step); a cold boot that fails
 * too ends {@link Outcome.Down}. Never two holders of the disk, never a write lost.
 */
class MemoryPastThePointTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    /** The steps from the point of no return to the last before the tidy-up, each mode's, refused before and after they act. */
    static Stream<Arguments> failuresPastThePointOfNoReturn() {
        List<Arguments> all = new ArrayList<>();
        for (SwitchMode mode : SwitchMode.values()) {
            List<FlowStep> order = BackgroundSteps.order(mode);
            for (FlowStep s : order) {
                if (BackgroundSteps.pastPointOfNoReturn(order, s.id()) && s.id() != Step.RETIRE) {
                    all.add(Arguments.of(mode, "before:", s.id()));
                    all.add(Arguments.of(mode, "after:", s.id()));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}: refused at {1}{2}")
    @MethodSource("failuresPastThePointOfNoReturn")
    void aStepThatFailsPastThePointOfNoReturnEndsWithTheUpdateColdBooted(SwitchMode mode, String where, Step step) {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.failAt(where + step.key(), 1);
            RebootResult r = rig.reboot(o -> o.with(mode));
            assertColdBooted(rig, r, step);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SwitchMode.class)
    void aCloneThatDiesAfterTheOldVmStoppedIsReplacedByAColdBootOfItsDisks(SwitchMode mode) {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.at("before:plug_disk", () -> rig.world.running(MemoryRig.VM).forEach(id -> rig.world.die(MemoryRig.VM, id, "its QEMU crashed")));
            RebootResult r = rig.reboot(o -> o.with(mode));
            assertColdBooted(rig, r, Step.PLUG_DISK);
            assertThat(((Outcome.ColdBooted) r.outcome()).why()).contains("is gone");
        }
    }

    @Test
    void aDiskTheCloneCannotTakeEndsWithTheUpdateColdBooted() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.failAt("memory:disk-take", 1);
            assertColdBooted(rig, rig.reboot(), Step.PLUG_DISK);
        }
    }

    @Test
    void anAttachHookThatFailsOnceIsRunAgainAndTheSwitchCompletes() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().attachHookFailures = 2; // the armed hook, then its first run now that the disk is there
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            rig.assertServes();
        }
    }

    @Test
    void anAttachHookThatFailsTwiceEndsWithTheUpdateColdBooted() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().attachHookFailures = 3;
            RebootResult r = rig.reboot();
            assertColdBooted(rig, r, Step.ATTACH);
            assertThat(((Outcome.ColdBooted) r.outcome()).why()).contains("attach hook").contains("bad superblock");
        }
    }

    /** A killed process closes its files a moment after its kill: the cold boot must not open the disk before that. */
    @Test
    void aColdBootWaitsForTheKilledCloneToLetGoOfTheDisk() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().attachHookFailures = 3;
            rig.script().lingerMs = 40;
            assertColdBooted(rig, rig.reboot(), Step.ATTACH);
        }
    }

    @Test
    void aColdBootThatFailsTooEndsDownWithNothingLostAndSaysWhatToDo() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().attachHookFailures = 3;
            rig.script().coldBootFates.add(Fate.PANICS);
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Down.class);
            assertThat(((Outcome.Down) r.outcome()).whatToFix()).contains("the switch failed at attach").contains("did not become ready")
                    .contains("bgreboot vm start " + MemoryRig.VM);
            assertThat(rig.world.running(MemoryRig.VM)).as("nothing runs").isEmpty();
            assertThat(rig.world.violations()).isEmpty();
            assertThat(Journal.active(rig.state)).isEmpty();
            rig.script().attachHookFailures = 0;
            rig.vm().start(rig.progress()).close(); // the operator fixed the guest and starts it
            assertThat(rig.world.servingProblems(MemoryRig.VM)).as(rig::story).isEmpty(); // FG's scratch layer is left (nothing could stream it)
            assertThat(rig.world.violations()).isEmpty();
        }
    }

    @Test
    void anOldVmThatNeverLetsGoOfTheDiskIsNeverJoinedByASecondHolder() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().diskNeverReleased = true;
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Down.class);
            assertThat(((Outcome.Down) r.outcome()).whatToFix()).contains("the switch failed at stop_fg").contains("still holds");
            assertThat(rig.world.violations()).as(rig::story).isEmpty();
        }
    }

    @Test
    void aTidyUpThatFailsAfterTheSwitchSaysSoAndRecoverFinishesIt() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.failAt("memory:retire", 1);
            assertThatThrownBy(rig::reboot).isInstanceOf(RebootFailedException.class).hasMessageContaining("serves the update")
                    .hasMessageContaining("bgreboot recover " + MemoryRig.VM);
            assertThat(rig.world.servingProblems(MemoryRig.VM)).as("it serves meanwhile").isEmpty();
            assertThat(Journal.active(rig.state)).isPresent();
            Recovery.Result done = rig.recover();
            assertThat(done.outcome()).contains(new Outcome.Switched());
            rig.assertServes();
        }
    }

    @Test
    void bgrebootKilledTidyingUpAfterAColdBootIsRecoveredAsThatColdBootNotAsASwitch() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().attachHookFailures = 3;
            rig.faults.crashAt("memory:retire", rig.process);
            assertThatThrownBy(rig::reboot).isInstanceOf(org.bgreboot.engine.memory.Killed.class);
            rig.restart();
            Recovery.Result r = rig.recover();
            assertThat(r.outcome().orElseThrow()).as(rig::story).isInstanceOf(Outcome.ColdBooted.class);
            assertThat(((Outcome.ColdBooted) r.outcome().get()).failedStep()).isEqualTo(Step.ATTACH);
            assertThat(r.generation()).isEqualTo(2);
            rig.assertServes();
        }
    }

    private static void assertColdBooted(MemoryRig rig, RebootResult r, Step failed) {
        assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.ColdBooted.class);
        assertThat(((Outcome.ColdBooted) r.outcome()).failedStep()).isEqualTo(failed);
        assertThat(r.generation()).as("a cold boot of the updated disks is one generation more").isEqualTo(2);
        assertThat(rig.state.readState().orElseThrow().generation()).isEqualTo(2);
        rig.assertServes();
    }
}
