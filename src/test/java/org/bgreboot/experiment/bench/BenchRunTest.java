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
class BenchRunTest {
    private static final List<String> HANDOVER_STEPS = List.of("snapshot system disks", "launch clone QEMU", "stop FG",
            "plug persistent disk into BG", "BG takes the network");

    @Test
    void aGoodBackgroundRebootTakesItsFigures() {
        BenchRun r = BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 1,
                measurement(Method.BACKGROUND, SwitchMode.HANDOVER, Optional.empty(), HANDOVER_STEPS, "v1", "v2", List.of()), 30_000);
        assertThat(r.ok()).isTrue();
        assertThat(r.downtimeMs()).isEqualTo(150);
        assertThat(r.switchMs()).isEqualTo(200);
        assertThat(r.bgReadyMs()).isEqualTo(9000);
        assertThat(r.ackedWrites()).isEqualTo(100);
        assertThat(r.ackedWritesLost()).isZero();
        assertThat(r.ledgerChecked()).isTrue();
        assertThat(r.stepsMs()).containsOnlyKeys(HANDOVER_STEPS).containsEntry("stop FG", 1.0);
    }

    @Test
    void lostWritesAreCountedEvenThoughTheRebootWorked() {
        BenchRun r = BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 1,
                measurement(Method.BACKGROUND, SwitchMode.HANDOVER, Optional.empty(), HANDOVER_STEPS, "v1", "v2", List.of(7L, 8L)), 1);
        assertThat(r.ackedWritesLost()).isEqualTo(2);
    }

    @Test
    void anAbortOrAnOldVersionServingIsAFailure() {
        assertThat(BenchRun.of("tiny", 256, BenchMethod.BACKGROUND, 1, measurement(Method.BACKGROUND, SwitchMode.HANDOVER,
                Optional.of("clone not ready"), HANDOVER_STEPS, "v1", "v1", List.of()), 1).failure()).contains("aborted: clone not ready");
        assertThat(BenchRun.of("tiny", 256, BenchMethod.NORMAL, 1, measurement(Method.NORMAL, SwitchMode.HANDOVER,
                Optional.empty(), List.of(), "v1", "v1", List.of()), 1).failure()).contains("the new OS never answered the prober");
    }

    @Test
    void aRestoreRunThatRanNoSaveOrRestoreIsNotCountedAsRestore() {
        BenchRun handedOver = BenchRun.of("tiny", 256, BenchMethod.RESTORE, 1,
                measurement(Method.BACKGROUND, SwitchMode.RESTORE, Optional.empty(), HANDOVER_STEPS, "v1", "v2", List.of()), 1);
        assertThat(handedOver.failure()).get().asString().contains("not a restore");
        BenchRun restored = BenchRun.of("tiny", 256, BenchMethod.RESTORE, 1, measurement(Method.BACKGROUND, SwitchMode.RESTORE,
                Optional.empty(), List.of("save BG state", "restore BG in a fresh QEMU"), "v1", "v2", List.of()), 1);
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
