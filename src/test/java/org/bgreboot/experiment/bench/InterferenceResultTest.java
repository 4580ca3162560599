package org.bgreboot.experiment.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.bgreboot.experiment.bench.InterferenceCase.Kind;
import org.junit.jupiter.api.Test;

import org.bgreboot.experiment.bench.Interference;
import org.bgreboot.experiment.bench.InterferenceCase;
import org.bgreboot.experiment.bench.InterferenceCloneWatch;
import org.bgreboot.experiment.bench.InterferenceResult;
class InterferenceResultTest {

    @Test
    void noBgIsPooledOverItsWindowsByTime() {
        InterferenceResult r = new InterferenceResult("vm", 256, 4, 15, List.of(
                new InterferenceCase(Kind.NO_BG, 1500, 0, 15, Optional.empty(), Optional.empty()),
                new InterferenceCase(Kind.BG_IDLE, 900, 1, 6, Optional.of("SCHED_IDLE"), Optional.empty()),
                new InterferenceCase(Kind.BG_NORMAL, 300, 2, 6, Optional.of("SCHED_OTHER"), Optional.empty()),
                new InterferenceCase(Kind.NO_BG, 3000, 0, 15, Optional.empty(), Optional.empty())));
        assertThat(r.requestsPerSecond(Kind.NO_BG)).isEqualTo(150);
        assertThat(r.requestsPerSecond(Kind.BG_IDLE)).isEqualTo(150);
        assertThat(r.ratio(Kind.BG_IDLE)).isEqualTo(1.0);
        assertThat(r.ratio(Kind.BG_NORMAL)).isEqualTo(50.0 / 150);
        assertThat(r.problems()).isEmpty();
        assertThat(r.table().rows()).extracting(row -> row.get(0) + " " + row.get(1) + " " + row.get(2) + " " + row.get(5))
                .containsExactly("no BG 150.0 100 % –", "BG booting at idle priority 150.0 100 % SCHED_IDLE",
                        "BG booting at normal priority 50.0 33 % SCHED_OTHER");
        assertThat(r.json().get("windows").toString()).contains("bg_policy=SCHED_IDLE");
    }

    @Test
    void aFailedWindowIsLeftOutAndReported() {
        InterferenceResult r = new InterferenceResult("vm", 256, 4, 15, List.of(
                new InterferenceCase(Kind.NO_BG, 1500, 0, 15, Optional.empty(), Optional.empty()),
                InterferenceCase.failed(Kind.BG_IDLE, "the clone never got ready: timeout"),
                new InterferenceCase(Kind.BG_NORMAL, 500, 0, 10, Optional.empty(), Optional.empty())));
        assertThat(r.requestsPerSecond(Kind.BG_IDLE)).isNaN();
        assertThat(r.ratio(Kind.BG_IDLE)).isNaN();
        assertThat(r.problems()).containsExactly("interference: BG booting at idle priority: the clone never got ready: timeout");
        assertThat(r.json()).containsEntry("idle_ratio", null).containsEntry("normal_ratio", 0.5);
    }

    @Test
    void theCasesTakeTurnsAndNoBgClosesTheRun() {
        assertThat(Interference.order(2)).containsExactly(Kind.NO_BG, Kind.BG_IDLE, Kind.BG_NORMAL,
                Kind.NO_BG, Kind.BG_IDLE, Kind.BG_NORMAL, Kind.NO_BG);
    }

    @Test
    void theCloneWatchFollowsTheFlowsEvents() {
        InterferenceCloneWatch w = new InterferenceCloneWatch();
        assertThat(w.launched()).isFalse();
        w.cloneLaunched(null, 100);
        assertThat(w.launched()).isTrue();
        assertThat(w.ended()).isFalse();
        w.cloneReady(9400);
        assertThat(w.ended()).isTrue();
        assertThat(w.ready()).isTrue();
        assertThat(w.endedBy(9400)).isTrue();
        assertThat(w.endedBy(9399)).isFalse();
    }

    @Test
    void anAbortEndsTheBootWithoutReadiness() {
        InterferenceCloneWatch w = new InterferenceCloneWatch();
        w.cloneLaunched(null, 100);
        w.aborted(5000);
        assertThat(w.ended()).isTrue();
        assertThat(w.ready()).isFalse();
        assertThat(w.endedBy(-1)).isFalse();
    }
}
