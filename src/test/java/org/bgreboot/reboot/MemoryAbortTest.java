package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bgreboot.UserError;
import org.bgreboot.engine.memory.Fate;
import org.bgreboot.engine.memory.MemorySpecs;
import org.bgreboot.engine.memory.ShmTempDir;
import org.bgreboot.engine.memory.World;
import org.bgreboot.spec.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a background reboot gives up before its point of no return, on the engine in memory:
 * a clone that does not become ready (however it fails), a failure in each step, a stop asked for
 * at each step, and the refusals of PREPARE. After each, FG is exactly as it was: the same instance
 * on its own layers with every write, its network, its disk, unfrozen; the clone is gone.
 */
class MemoryAbortTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    /** The steps before the point of no return, each mode's. */
    static Stream<Arguments> stepsBeforeTheSwitchCommits() {
        List<Arguments> all = new ArrayList<>();
        for (SwitchMode mode : SwitchMode.values()) {
            List<FlowStep> order = BackgroundSteps.order(mode);
            for (FlowStep s : order) {
                if (!BackgroundSteps.pastPointOfNoReturn(order, s.id())) {
                    all.add(Arguments.of(mode, s.id()));
                }
            }
        }
        return all.stream();
    }

    static Stream<Arguments> failuresBeforeTheSwitchCommits() {
        return stepsBeforeTheSwitchCommits().flatMap(a -> Stream.of("before:", "after:")
                .map(where -> Arguments.of(a.get()[0], where + ((Step) a.get()[1]).key())));
    }

    // ---- the clone does not become ready ----------------------------------------------------------

    @ParameterizedTest(name = "a clone that {0}")
    @EnumSource(value = Fate.class, names = {"PANICS", "DIES", "SHUTS_DOWN", "HANGS", "NOT_READY"})
    void aCloneThatDoesNotBecomeReadyIsDiscardedAndFgKeepsServingUntouched(Fate fate) {
        try (MemoryRig rig = new MemoryRig(dir, s -> MemorySpecs.withReadyTimeout(s, Duration.ofMillis(300)))) {
            rig.script().bootMs = 20;
            rig.script().cloneFates.add(fate);
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot();
            Outcome.Aborted a = aborted(rig, r);
            assertThat(a.reason()).startsWith("the clone did not become ready").contains(switch (fate) {
                case PANICS -> "panicked";
                case DIES -> "its process exited";
                case SHUTS_DOWN -> "the guest shut down";
                case HANGS -> "'agent answers' did not pass within";
                default -> "'guest command " + org.bgreboot.engine.memory.GuestPaths.READY + " exits 0' did not pass within";
            });
            assertThat(r.fgStoppedAfterReady()).isTrue();
            assertThat(rig.refusedWrites()).as("writes refused while the clone was tried and discarded: clients saw nothing").isZero();
            rig.assertUntouched(before);
            assertThat(Files.exists(rig.state.journal().resolve("reboot-" + journalId(rig) + "-clone-console.log")))
                    .as("the failed clone's console is kept beside the journal").isTrue();
        }
    }

    // ---- a step fails -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}: refused at {1}")
    @MethodSource("failuresBeforeTheSwitchCommits")
    void aFailureInAnyStepBeforeThePointOfNoReturnRollsBackToFgUntouched(SwitchMode mode, String point) {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.failAt(point, 1);
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot(o -> o.with(mode));
            assertThat(aborted(rig, r).reason()).contains("fault injected at " + point);
            rig.assertUntouched(before);
            assertThat(rig.reboot(o -> o.with(mode)).outcome()).as("the next reboot").isEqualTo(new Outcome.Switched());
            rig.assertServes();
        }
    }

    @Test
    void aFreezeWhoseReplyIsLostIsThawedByTheRollback() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().freezeReplyLost = true;
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot(o -> o.quiescing(true));
            assertThat(aborted(rig, r).reason()).contains("guest-fsfreeze-freeze-list").contains("no reply");
            rig.assertUntouched(before);
        }
    }

    @Test
    void aReleaseHookThatFailsRollsTheSwitchBackWithTheNetworkBackOnFg() {
        try (MemoryRig rig = new MemoryRig(dir, s -> MemorySpecs.withSwitchPolicy(s, new VmSpec.SwitchPolicy(VmSpec.SwitchPolicy.Release.HOOK,
                VmSpec.SwitchPolicy.DiskHandover.SWAP)))) {
            rig.script().releaseHookFails = true;
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot();
            assertThat(aborted(rig, r).reason()).contains("release hook").contains("failed (exit 1)").contains("target is busy");
            rig.assertUntouched(before);
        }
    }

    @Test
    void aReleaseHookThatHangsIsKilledInTheGuestAndTheSwitchRolledBack() {
        try (MemoryRig rig = new MemoryRig(dir, s -> MemorySpecs.withSwitchPolicy(MemorySpecs.withHooks(s, new VmSpec.Hooks(s.hooks().release(),
                s.hooks().attach(), Duration.ofMillis(150))), new VmSpec.SwitchPolicy(VmSpec.SwitchPolicy.Release.HOOK, VmSpec.SwitchPolicy.DiskHandover.SWAP)))) {
            rig.script().releaseHookHangs = true;
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot();
            assertThat(aborted(rig, r).reason()).contains("did not finish within 0 s and was killed");
            assertThat(rig.world.events()).anyMatch(e -> e.contains(org.bgreboot.engine.memory.GuestPaths.RELEASE + " killed"));
            rig.assertUntouched(before);
        }
    }

    @Test
    void aCloneThatDiesJustBeforeTheReadinessWaitDidNotBecomeReady() {
        // FaultIT kills the clone's QEMU once the journal says await_ready: the kill may land before the wait looks
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.at("before:await_ready", () -> rig.world.die(MemoryRig.VM, "g1", "its QEMU was killed"));
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot();
            assertThat(aborted(rig, r).reason()).startsWith("the clone did not become ready").contains("exited");
            rig.assertUntouched(before);
        }
    }

    @Test
    void aCloneThatDiesAfterItWasReadyIsDiscardedBeforeTheSwitch() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.at("before:take_network", () -> rig.world.die(MemoryRig.VM, "g1", "its QEMU was killed"));
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot();
            assertThat(aborted(rig, r).reason()).contains("the clone g1 is gone");
            rig.assertUntouched(before);
        }
    }

    // ---- a stop is asked for ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}: SIGTERM at {1}")
    @MethodSource("stepsBeforeTheSwitchCommits")
    void aStopAskedForAtAnyStepBeforeThePointOfNoReturnAbortsWithFgUntouched(SwitchMode mode, Step at) {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().bootMs = at == Step.AWAIT_READY ? 100 : 0; // the stop comes while readiness waits
            Cancel cancel = new Cancel();
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot(o -> o.with(mode).with(cancel).with(rig.clients().and(stopAt(at, cancel, "SIGTERM"))));
            Outcome.Aborted a = aborted(rig, r);
            assertThat(a.signal()).contains("SIGTERM");
            assertThat(a.reason()).isEqualTo("stopped by SIGTERM before the switch");
            if (at != Step.TAKE_NETWORK && at != Step.RELEASE) { // stopped before the switch began: clients saw nothing
                assertThat(rig.refusedWrites()).as("writes refused").isZero();
            }
            rig.assertUntouched(before);
            assertThat(rig.world.clonesLaunched(MemoryRig.VM)).isEqualTo(
                    BackgroundSteps.indexOf(BackgroundSteps.order(mode), at) >= BackgroundSteps.indexOf(BackgroundSteps.order(mode), Step.LAUNCH_CLONE) ? 1 : 0);
        }
    }

    @ParameterizedTest(name = "{0}: SIGINT at stop_fg and after")
    @EnumSource(SwitchMode.class)
    void aStopAskedForPastThePointOfNoReturnIsNotedAndTheSwitchCompleted(SwitchMode mode) {
        for (Step at : List.of(Step.STOP_FG, Step.PLUG_DISK, Step.PROMOTE)) {
            try (MemoryRig rig = new MemoryRig(dir.resolve(mode + "-" + at.key()))) {
                Cancel cancel = new Cancel();
                RebootResult r = rig.reboot(o -> o.with(mode).with(cancel).with(rig.clients().and(stopAt(at, cancel, "SIGINT"))));
                assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
                assertThat(cancel.requested()).contains("SIGINT");
                assertThat(cancel.committed()).isTrue();
                rig.assertServes();
            }
        }
    }

    @Test
    void aStopAskedForWhileTheUpdateInstallsAbortsBeforeAnythingIsCreated() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            Cancel cancel = new Cancel();
            cancel.request("SIGINT");
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot(o -> o.with(cancel));
            Outcome.Aborted a = aborted(rig, r);
            assertThat(a.signal()).contains("SIGINT");
            assertThat(rig.world.clonesLaunched(MemoryRig.VM)).isZero();
            rig.assertUntouched(before);
        }
    }

    private static RebootListener stopAt(Step at, Cancel cancel, String signal) {
        return new RebootListener() {
            @Override public void step(Step s, double atMs) {
                if (s == at) {
                    cancel.request(signal);
                }
            }
        };
    }

    // ---- PREPARE refuses --------------------------------------------------------------------------

    @Test
    void aGuestAgentThatDoesNotAnswerMakesTheRebootRefuseWithTheVmUntouched() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().agentSilent = true;
            World.Fg before = rig.fg();
            assertThatThrownBy(rig::reboot).isInstanceOf(UserError.class).hasMessageContaining("its guest agent does not answer");
            rig.script().agentSilent = false;
            assertThat(rig.world.clonesLaunched(MemoryRig.VM)).isZero();
            rig.assertUntouched(before);
        }
    }

    @Test
    void tooLittleFreeSpaceIsRefusedBeforeAnythingIsCreated() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().freeBytes = 100L << 20;
            World.Fg before = rig.fg();
            assertThatThrownBy(rig::reboot).isInstanceOf(UserError.class).hasMessageContaining("only 100 MiB free").hasMessageContaining("free some space");
            rig.assertUntouched(before);
        }
    }

    @Test
    void anUpdateThatFailsToInstallRebootsNothing() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().installFails = true;
            World.Fg before = rig.fg();
            assertThatThrownBy(rig::reboot).isInstanceOf(UserError.class).hasMessageContaining("install command failed")
                    .hasMessageContaining("nothing was rebooted");
            rig.assertUntouched(before);
        }
    }

    @Test
    void aRestoreSwitchOnAnEngineThatCannotSaveIsRefused() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().stateSaving = false;
            World.Fg before = rig.fg();
            assertThatThrownBy(() -> rig.reboot(o -> o.with(SwitchMode.RESTORE))).isInstanceOf(UserError.class)
                    .hasMessageContaining("cannot save and restore").hasMessageContaining("use --switch handover");
            rig.assertUntouched(before);
        }
    }

    @Test
    void fgDyingWhileTheCloneBootsLetsTheCloneTakeOver() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.at("before:await_ready", () -> rig.world.die(MemoryRig.VM, "g0", "its QEMU was killed"));
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            assertThat(rig.lines).anyMatch(l -> l.contains("FG's instance died while the clone booted"));
            rig.assertServes();
        }
    }

    @Test
    void fgDyingAndItsCloneFailingBootsTheVmAgainFromItsOwnDisksOnceTheDeadOneLetGo() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().cloneFates.add(Fate.PANICS);
            rig.script().lingerMs = 40;
            rig.faults.at("before:await_ready", () -> rig.world.die(MemoryRig.VM, "g0", "its QEMU was killed"));
            RebootResult r = rig.reboot();
            Outcome.Aborted a = aborted(rig, r);
            assertThat(a.reason()).contains("panicked");
            assertThat(rig.lines).anyMatch(l -> l.contains("ABORT done: rolled back: the VM was booted again from its own disks"));
            assertThat(r.generation()).as("the generation its record says it runs").isEqualTo(2).isEqualTo(rig.state.readState().orElseThrow().generation());
            rig.assertServes();
            assertThat(rig.world.systemWritesMissing(MemoryRig.VM, "g0")).as("FG's writes to its system disk, the cut's scratch layer included").isEmpty();
        }
    }

    @Test
    void anUndoThatFailsLeavesTheAbortUnfinishedAndRecoverFinishesIt() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().cloneFates.add(Fate.PANICS);
            rig.faults.failAt("memory:delete-clone-disks", 1);
            World.Fg before = rig.fg();
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Aborted.class);
            assertThat(((Outcome.Aborted) r.outcome()).finished()).isFalse();
            assertThat(r.outcome().describe()).contains("run 'bgreboot recover'");
            assertThat(rig.lines).anyMatch(l -> l.contains("could not undo clone_disks") && l.contains("fault injected"));
            assertThat(Journal.active(rig.state)).as("the journal stays open for recover").isPresent();
            assertThat(rig.world.servingProblems(MemoryRig.VM)).as("FG serves meanwhile").isEmpty();
            Recovery.Result done = rig.recover();
            assertThat(done.outcome().orElseThrow()).isInstanceOf(Outcome.Aborted.class);
            rig.assertUntouched(before);
        }
    }

    /**
     * The host stops answering while the clone boots (libvirtd away longer than the engine waits
     * for it): the reboot gives up, and even asking whether FG runs fails, so nothing can be undone.
     * It ends aborted and unfinished, saying to run recover, its journal open, nothing thrown;
     * once the host answers again recover rolls back and FG serves as it was.
     */
    @Test
    void aHostThatStopsAnsweringBeforeTheSwitchLeavesAnUnfinishedAbortThatRecoverFinishes() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            World.Fg before = rig.fg();
            rig.faults.at("before:await_ready", () -> rig.world.hostDown(MemoryRig.HOST));
            RebootResult r = rig.reboot();
            assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Aborted.class);
            assertThat(((Outcome.Aborted) r.outcome()).finished()).as(rig::story).isFalse();
            assertThat(rig.lines).as(rig::story).anyMatch(l -> l.contains("ABORT unfinished: run 'bgreboot recover " + MemoryRig.VM + "'"));
            assertThat(Journal.active(rig.state)).as("the journal stays open for recover").isPresent();
            rig.world.hostUp(MemoryRig.HOST);
            rig.restart();
            Recovery.Result done = rig.recover();
            assertThat(done.outcome().orElseThrow()).as(rig::story).isInstanceOf(Outcome.Aborted.class);
            rig.assertUntouched(before);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static Outcome.Aborted aborted(MemoryRig rig, RebootResult r) {
        assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Aborted.class);
        Outcome.Aborted a = (Outcome.Aborted) r.outcome();
        assertThat(a.finished()).as(rig::story).isTrue();
        assertThat(r.generation()).isEqualTo(rig.state.readState().orElseThrow().generation());
        return a;
    }

    private static String journalId(MemoryRig rig) throws RuntimeException {
        try (Stream<Path> s = Files.list(rig.state.journal())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("reboot-") && n.endsWith(".json"))
                    .map(n -> n.substring("reboot-".length(), n.length() - ".json".length())).findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
