package org.bgreboot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.bgreboot.engine.embedded.Accel;
import org.bgreboot.engine.embedded.AccelChoice;
import org.bgreboot.experiment.bench.BenchMachine;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchPlan;
import org.bgreboot.experiment.bench.BenchResult;
import org.bgreboot.experiment.bench.BenchRun;
import org.bgreboot.experiment.soak.SoakReboot;
import org.bgreboot.experiment.soak.SoakReport;
import org.bgreboot.experiment.soak.SoakSample;
import org.bgreboot.output.RebootFixtures;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.spec.ByteSize;
import org.junit.jupiter.api.Test;

/** bench and soak exit 1 when a run fell back to a cold boot or aborted, and 0 when every run switched. */
class ExperimentExitTest {

    private static BenchResult bench(Outcome second) {
        BenchPlan plan = new BenchPlan("tiny", List.of(ByteSize.parse("256M")), List.of(BenchMethod.BACKGROUND), 2, false, 15);
        List<BenchRun> runs = List.of(
                BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 1, RebootFixtures.measured(RebootFixtures.background(RebootFixtures.SWITCHED)), 1),
                BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 2, RebootFixtures.measured(RebootFixtures.background(second)), 1));
        return new BenchResult(plan, new AccelChoice(Accel.TCG, "test"), new BenchMachine(2, "QEMU 7.2", "Linux", "cpu"), "2026-01-01T00:00:00Z", 1,
                runs, Optional.empty(), List.of(), List.of());
    }

    private static SoakReport soak(Outcome second) {
        SoakSample s = new SoakSample(40, 30, 12, 20_000);
        List<SoakReboot> reboots = List.of(reboot(1, RebootFixtures.SWITCHED), reboot(2, second));
        return new SoakReport("soak", "tcg", 2, reboots, 500, List.of(), 0, Optional.empty(), s, s, List.of());
    }

    private static SoakReboot reboot(int i, Outcome o) {
        RebootResult r = RebootFixtures.background(o);
        return new SoakReboot(i, r.generation(), o, r.startMs(), r.endMs(), 40, 50, r.bgReadyMs(), r.switchMs(), 2, 1, List.of(), 20_000, r.bgShare());
    }

    @Test
    void aBenchRunThatFellBackFailsTheBench() {
        assertThat(BenchCommand.exit(bench(RebootFixtures.SWITCHED).problems())).isZero();
        assertThat(BenchCommand.exit(bench(RebootFixtures.COLD_BOOTED).problems())).isEqualTo(ExitCode.FAILED.code);
        assertThat(BenchCommand.exit(bench(RebootFixtures.ABORTED).problems())).isEqualTo(ExitCode.FAILED.code);
    }

    @Test
    void aSoakRebootThatFellBackOrAbortedFailsTheSoak() {
        assertThat(SoakCommand.exit(soak(RebootFixtures.SWITCHED).problems())).isZero();
        assertThat(SoakCommand.exit(soak(RebootFixtures.COLD_BOOTED).problems())).isEqualTo(ExitCode.FAILED.code);
        assertThat(SoakCommand.exit(soak(RebootFixtures.ABORTED).problems())).isEqualTo(ExitCode.FAILED.code);
    }
}
