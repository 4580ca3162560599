package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Stream;
import org.bgreboot.engine.memory.ShmTempDir;
import org.bgreboot.engine.memory.World;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operation the engine does in a reboot refused once ({@code fail:} at the engine's own
 * points: a layer not made, a clone not started, a network not taken, a disk not given, a kill
 * that fails, a promote that fails...), in both switch modes. Before the point of no return the
 * reboot aborts with FG exactly as it was; past it the update is cold-booted (or, when only the
 * tidy-up failed, it says so and recover finishes it); one VM serves, nothing is lost.
 */
class MemoryRefusalTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @TestFactory
    Stream<DynamicTest> everyEngineOperationOfAHandoverRebootRefused() {
        return everyOperation(SwitchMode.HANDOVER);
    }

    @TestFactory
    Stream<DynamicTest> everyEngineOperationOfARestoreRebootRefused() {
        return everyOperation(SwitchMode.RESTORE);
    }

    private Stream<DynamicTest> everyOperation(SwitchMode mode) {
        List<String> points;
        try (MemoryRig rig = new MemoryRig(dir.resolve(mode + "-points"))) {
            int from = rig.faults.reached().size();
            rig.reboot(o -> o.with(mode));
            points = rig.faults.reached().subList(from, rig.faults.reached().size());
        }
        List<DynamicTest> tests = new ArrayList<>();
        int commit = points.indexOf("before:stop_fg");
        int retire = points.indexOf("before:retire");
        for (String p : new LinkedHashSet<>(points)) {
            if (!p.startsWith("memory:")) {
                continue;
            }
            int at = points.indexOf(p);
            tests.add(DynamicTest.dynamicTest(mode.name().toLowerCase() + ": " + p + " refused", () -> {
                try (MemoryRig rig = new MemoryRig(dir.resolve(mode + "-" + p.replace(':', '-')))) {
                    World.Fg before = rig.fg();
                    rig.faults.failAt(p, 1);
                    if (at > retire) {
                        assertThatThrownBy(() -> rig.reboot(o -> o.with(mode))).isInstanceOf(RebootFailedException.class)
                                .hasMessageContaining("serves the update");
                        assertThat(rig.recover().outcome()).contains(new Outcome.Switched());
                        rig.assertServes();
                        return;
                    }
                    RebootResult r = rig.reboot(o -> o.with(mode));
                    if (at < commit) {
                        assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Aborted.class);
                        assertThat(((Outcome.Aborted) r.outcome()).reason()).contains("fault injected at " + p);
                        rig.assertUntouched(before);
                    } else {
                        assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.ColdBooted.class);
                        rig.assertServes();
                    }
                }
            }));
        }
        return tests.stream();
    }
}
