package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bgreboot.UserError;
import org.bgreboot.engine.memory.Killed;
import org.bgreboot.engine.memory.ShmTempDir;
import org.bgreboot.engine.memory.World;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * bgreboot killed (as by SIGKILL: no catch, no undo, its handles dead) at every fault point a
 * background reboot passes, the flow's {@code before:}/{@code after:} of every step and the
 * engine's own inside them, in both switch modes; then recovered by a new process from the same
 * journal, and that recovery itself killed at its first point, the next one at its second, and so
 * on until one runs through. Each time: one VM serves, nothing acknowledged is lost, the reboot is
 * rolled back before the point of no return (FG exactly as it was) and completed after it, and a
 * further recover finds nothing to do.
 */
class MemoryCrashTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @TestFactory
    Stream<DynamicTest> killedAtEveryPointOfAHandoverReboot() {
        return everyPoint(SwitchMode.HANDOVER);
    }

    @TestFactory
    Stream<DynamicTest> killedAtEveryPointOfARestoreReboot() {
        return everyPoint(SwitchMode.RESTORE);
    }

    /**
     * The cold boot that replaces a failed switch (the attach hook failed twice), killed at each of
     * its points: the recovery completes it, or, where the clone was not yet ended, completes the
     * switch itself; either way one VM serves with every write.
     */
    @TestFactory
    Stream<DynamicTest> killedAtEveryPointOfTheColdBootAfterAFailedSwitch() {
        List<String> points;
        try (MemoryRig rig = new MemoryRig(dir.resolve("coldboot-points"))) {
            rig.script().attachHookFailures = 3;
            int from = rig.faults.reached().size();
            assertThat(rig.reboot().outcome()).isInstanceOf(Outcome.ColdBooted.class);
            points = rig.faults.reached().subList(from, rig.faults.reached().size());
        }
        int failedAt = points.indexOf("before:attach");
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = failedAt + 1; i < points.size(); i++) {
            int at = i + 1;
            String p = points.get(i);
            tests.add(DynamicTest.dynamicTest("cold boot killed at " + p, () -> {
                try (MemoryRig rig = new MemoryRig(dir.resolve("coldboot-" + at))) {
                    rig.script().attachHookFailures = 3;
                    rig.faults.crashAtNth(at, rig.process);
                    assertThatThrownBy(rig::reboot).isInstanceOf(Killed.class);
                    assertThat(rig.faults.killedAt()).isEqualTo(p);
                    Recovered r = recoverThroughKills(rig);
                    assertThat(r.result().outcome().orElseThrow()).as(rig::story).isInstanceOfAny(Outcome.ColdBooted.class, Outcome.Switched.class);
                    rig.assertServes();
                    assertThat(rig.recover().outcome()).isEmpty();
                }
            }));
        }
        return tests.stream();
    }

    /** The points one reboot of {@code mode} passes, in order; each becomes a test of its own. */
    private Stream<DynamicTest> everyPoint(SwitchMode mode) {
        List<String> points;
        try (MemoryRig rig = new MemoryRig(dir.resolve(mode + "-points"))) {
            int from = rig.faults.reached().size();
            assertThat(rig.reboot(o -> o.with(mode)).outcome()).isEqualTo(new Outcome.Switched());
            points = rig.faults.reached().subList(from, rig.faults.reached().size());
        }
        for (FlowStep s : BackgroundSteps.order(mode)) {
            assertThat(points).as("a reboot passes both points of every step").contains("before:" + s.id().key(), "after:" + s.id().key());
        }
        Map<String, Integer> seen = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            String p = points.get(i);
            int nth = seen.merge(p, 1, Integer::sum);
            int at = i + 1;
            tests.add(DynamicTest.dynamicTest(mode.name().toLowerCase() + ": killed at " + p + (nth > 1 ? " (" + nth + ")" : ""),
                    () -> killedAndRecovered(mode, at, p, dir.resolve(mode + "-" + at))));
        }
        return tests.stream();
    }

    private void killedAndRecovered(SwitchMode mode, int nth, String point, Path home) {
        try (MemoryRig rig = new MemoryRig(home)) {
            World.Fg before = rig.fg();
            rig.faults.crashAtNth(nth, rig.process);
            assertThatThrownBy(() -> rig.reboot(o -> o.with(mode))).isInstanceOf(Killed.class);
            assertThat(rig.faults.killedAt()).isEqualTo(point);
            Step last = Journal.active(rig.state).orElseThrow(() -> new AssertionError("no journal after a kill at " + point)).lastStep();
            List<FlowStep> order = BackgroundSteps.order(mode);
            boolean forward = BackgroundSteps.pastPointOfNoReturn(order, last);
            for (int i = 0; i < 3; i++) {
                rig.world.write(MemoryRig.VM); // clients carry on while bgreboot is dead
            }

            rig.restart();
            assertThatThrownBy(rig::reboot).isInstanceOf(UserError.class).hasMessageContaining("unfinished reboot")
                    .hasMessageContaining("bgreboot recover " + MemoryRig.VM);

            Recovered r = recoverThroughKills(rig);
            Outcome o = r.result().outcome().orElseThrow();
            if (!forward) {
                assertThat(o).as(rig::story).isInstanceOf(Outcome.Aborted.class);
                rig.assertUntouched(before);
            } else if (!r.killedAt().contains("memory:saved") && !point.equals("memory:saved")) {
                assertThat(o).as(rig::story).isEqualTo(new Outcome.Switched());
                assertThat(r.result().generation()).isEqualTo(1);
                rig.assertServes();
            } else { // bgreboot died with the clone saved and ended, not yet restored: the updated disks are booted instead
                assertThat(o).as(rig::story).isInstanceOf(Outcome.ColdBooted.class);
                assertThat(r.result().generation()).isEqualTo(2);
                rig.assertServes();
            }
            assertThat(rig.recover().outcome()).as("a second recover finds nothing to do").isEmpty();
            rig.assertServes();
        }
    }

    /** A recovery, and where each recovery before it was killed. */
    record Recovered(Recovery.Result result, List<String> killedAt) {
        int killed() {
            return killedAt.size();
        }
    }

    /** Recovers, killing the first recovery at its first point, the second at its second..., until one runs through. */
    static Recovered recoverThroughKills(MemoryRig rig) {
        List<String> killedAt = new ArrayList<>();
        for (int k = 1; k < 1000; k++) {
            rig.restart();
            rig.faults.crashAtNth(k, rig.process);
            try {
                Recovery.Result r = rig.recover();
                rig.faults.disarm();
                rig.restart();
                return new Recovered(r, killedAt);
            } catch (Killed e) {
                killedAt.add(rig.faults.killedAt());
                assertThat(Journal.active(rig.state)).as("a killed recovery leaves the journal open").isPresent();
            }
        }
        throw new AssertionError("recovery never ran through");
    }

    /** Not at a fault point: the process dies from outside while the flow waits for its clone, in another thread. */
    @Test
    void killedWhileTheCloneBootsIsRolledBack() throws Exception {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.script().bootMs = 3_000; // far longer than the kill takes to come, on a busy host too
            World.Fg before = rig.fg();
            Thread killer = new Thread(() -> {
                org.bgreboot.Sleep.ms(80);
                rig.process.kill();
            });
            rig.faults.at("before:await_ready", killer::start);
            assertThatThrownBy(rig::reboot).isInstanceOf(Killed.class);
            killer.join();
            assertThat(Journal.active(rig.state).orElseThrow().lastStep()).isEqualTo(Step.AWAIT_READY);
            assertThat(rig.world.running(MemoryRig.VM)).as("the clone runs on without bgreboot").contains("g1");
            Recovered r = recoverThroughKills(rig);
            assertThat(r.result().outcome().orElseThrow()).isInstanceOf(Outcome.Aborted.class);
            rig.assertUntouched(before);
        }
    }

    /** Recoveries of a reboot killed mid-switch, each killed one point further than the last: the switch still completes once. */
    @Test
    void aRecoveryKilledAtEachOfItsPointsInTurnStillEndsWithTheSwitchCompleted() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            rig.faults.crashAt("after:stop_fg", rig.process);
            assertThatThrownBy(rig::reboot).isInstanceOf(Killed.class);
            Recovered r = recoverThroughKills(rig);
            assertThat(r.result().outcome()).contains(new Outcome.Switched());
            assertThat(r.killedAt()).as("each recovery killed one point further than the one before, through the switch and its tidy-up")
                    .startsWith("before:stop_fg").contains("after:plug_disk", "after:attach", "after:promote").hasSizeGreaterThanOrEqualTo(6);
            rig.assertServes();
        }
    }

}
