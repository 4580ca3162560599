package org.bgreboot.experiment.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bgreboot.experiment.bench.BenchFixtures.measurement;

import java.util.List;
import java.util.Optional;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.SwitchMode;
import org.junit.jupiter.api.Test;

import org.bgreboot.experiment.bench.Bench;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchRun;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.Step;
class BenchRunTest {
    private static final List<Part> HANDOVER_STEPS = List.of(Part.CUT, Part.LAUNCH_CLONE, Part.STOP_FG, Part.TAKE_DISK, Part.BG_TAKES_NETWORK);

    @Test
    void aGoodBackgroundRebootTakesItsFigures() {
        BenchRun r = BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 1,
                measurement(Method.BACKGROUND, SwitchMode.HANDOVER, BenchFixtures.SWITCHED, HANDOVER_STEPS, "v1", "v2", List.of()), 30_000);
        assertThat(r.ok()).isTrue();
        assertThat(r.downtimeMs()).isEqualTo(150);
        assertThat(r.switchMs()).isEqualTo(200);
        assertThat(r.bgReadyMs()).isEqualTo(9000);
        assertThat(r.ackedWrites()).isEqualTo(100);
        assertThat(r.ackedWritesLost()).isZero();
        assertThat(r.ledgerChecked()).isTrue();
        assertThat(r.stepsMs()).containsOnlyKeys(Part.CUT, Part.LAUNCH_CLONE, Part.STOP_FG, Part.TAKE_DISK, Part.BG_TAKES_NETWORK)
                .containsEntry(Part.STOP_FG, 1.0);
        assertThat(r.outcome()).contains(BenchFixtures.SWITCHED);
        assertThat(r.fellBack()).isFalse();
    }

    @Test
    void lostWritesAreCountedEvenThoughTheRebootWorked() {
        BenchRun r = BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 1,
                measurement(Method.BACKGROUND, SwitchMode.HANDOVER, BenchFixtures.SWITCHED, HANDOVER_STEPS, "v1", "v2", List.of(7L, 8L)), 1);
        assertThat(r.ackedWritesLost()).isEqualTo(2);
    }

    @Test
    void anAbortOrAnOldVersionServingIsAFailure() {
        assertThat(BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 1, measurement(Method.BACKGROUND, SwitchMode.HANDOVER,
                new Outcome.Aborted("clone not ready", true, Optional.empty()), HANDOVER_STEPS, "v1", "v1", List.of()), 1).failure())
                .contains("aborted: clone not ready");
        assertThat(BenchRun.of("tiny", 256, BenchMethod.NORMAL, 1, measurement(Method.NORMAL, SwitchMode.HANDOVER,
                BenchFixtures.REBOOTED, List.of(), "v1", "v1", List.of()), 1).failure()).contains("the new OS never answered the prober");
    }

    @Test
    void aColdBootAfterAFailedSwitchIsNeverCountedAsABackgroundReboot() {
        BenchRun r = BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 1, measurement(Method.BACKGROUND, SwitchMode.HANDOVER,
                new Outcome.ColdBooted(Step.ATTACH, "the attach hook failed"), HANDOVER_STEPS, "v1", "v2", List.of()), 1);
        assertThat(r.ok()).isFalse();
        assertThat(r.fellBack()).isTrue();
        assertThat(r.failure()).get().asString().startsWith("cold-booted: the switch failed at attach");
        assertThat(r.downtimeMs()).as("what clients saw is kept: it is reported").isEqualTo(150);
        assertThat(Bench.summary(r)).startsWith("FAILED: cold-booted: the switch failed at attach").contains("clients went 150 ms without an answer");
    }

    @Test
    void aRestoreRunThatRanNoSaveOrRestoreIsNotCountedAsRestore() {
        BenchRun handedOver = BenchRun.of("tiny", 256, BenchMethod.RESTORE, 1,
                measurement(Method.BACKGROUND, SwitchMode.RESTORE, BenchFixtures.SWITCHED, HANDOVER_STEPS, "v1", "v2", List.of()), 1);
        assertThat(handedOver.failure()).get().asString().contains("not a restore");
        BenchRun restored = BenchRun.of("tiny", 256, BenchMethod.RESTORE, 1, measurement(Method.BACKGROUND, SwitchMode.RESTORE,
                BenchFixtures.SWITCHED, List.of(Part.SAVE_RESTORE, Part.BG_TAKES_NETWORK), "v1", "v2", List.of()), 1);
        assertThat(restored.ok()).isTrue();
    }

    @Test
    void aRunThatThrewHasNoFiguresAndAnUncheckedLedger() {
        BenchRun r = BenchRun.failed("tiny", 256, BenchMethod.RESTORE, 2, "hostfwd_add failed", 5000);
        assertThat(r.ok()).isFalse();
        assertThat(r.downtimeMs()).isNaN();
        assertThat(r.ledgerChecked()).isFalse();
        assertThat(Bench.summary(r)).isEqualTo("FAILED: hostfwd_add failed (run took 5.0 s)");
    }
}
