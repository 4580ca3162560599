package org.bgreboot.experiment.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.bgreboot.experiment.bench.InterferenceCase.Kind;
import org.bgreboot.output.OutputJson;
import org.junit.jupiter.api.Test;

import org.bgreboot.experiment.bench.Interference;
import org.bgreboot.experiment.bench.InterferenceCase;
import org.bgreboot.experiment.bench.InterferenceCloneWatch;
import org.bgreboot.experiment.bench.InterferenceResult;
class InterferenceResultTest {

    private static InterferenceCase window(Kind kind, long ok, double seconds, String policy, double bootMs) {
        return new InterferenceCase(kind, ok, 0, seconds, Optional.ofNullable(policy), Optional.empty(), bootMs, 0.5, 0,
                Optional.ofNullable(kind.share()));
    }

    @Test
    void aCaseIsTheMedianOfItsWindowsWithTheirSpread() {
        InterferenceResult r = new InterferenceResult("vm", 256, 1, 15, List.of(
                window(Kind.NO_BG, 1500, 15, null, Double.NaN),
                window(Kind.BG_IDLE, 880, 8, "SCHED_IDLE on CPU 1", 8000),
                window(Kind.BG_ADAPTIVE, 1470, 15, "SCHED_IDLE on CPU 1", 15000),
                window(Kind.BG_NORMAL, 480, 6, "SCHED_OTHER on CPU 0-1", 6000),
                window(Kind.NO_BG, 1600, 16, null, Double.NaN),
                window(Kind.NO_BG, 1650, 15, null, Double.NaN)));
        assertThat(r.requestsPerSecond(Kind.NO_BG)).isEqualTo(100);
        assertThat(r.min(Kind.NO_BG)).isEqualTo(100);
        assertThat(r.max(Kind.NO_BG)).isEqualTo(110);
        assertThat(r.noBgSpread()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.ratio(Kind.BG_ADAPTIVE)).isCloseTo(0.98, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.ratio(Kind.BG_NORMAL)).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.bootMs(Kind.BG_ADAPTIVE) / r.bootMs(Kind.BG_NORMAL)).isEqualTo(2.5);
        assertThat(r.problems()).isEmpty();
        assertThat(r.table().rows()).extracting(row -> row.get(0) + " " + row.get(1) + " " + row.get(3))
                .containsExactly("no BG 100.0 100 %", "BG booting at idle priority 110.0 110 %",
                        "BG booting adaptively (capped while FG is busy) 98.0 98 %", "BG booting at normal priority 80.0 80 %");
        JsonNode j = OutputJson.tree(r.json());
        assertThat(j.get("adaptive_ratio").asDouble()).isEqualTo(0.98);
        assertThat(j.get("adaptive_boot_over_normal").asDouble()).isEqualTo(2.5);
        assertThat(j.get("windows").get(1).get("case").asText()).isEqualTo("bg_idle");
        assertThat(j.get("windows").get(1).get("bg_policy").asText()).isEqualTo("SCHED_IDLE on CPU 1");
        assertThat(j.get("windows").get(1).get("bg_share_effective").asText()).isEqualTo("idle");
        assertThat(j.get("windows").get(1).get("bg_read_mib").asDouble()).isEqualTo(0.5);
        assertThat(j.get("bg_boot_ms").get("adaptive").asDouble()).isEqualTo(15000);
        assertThat(r.agreement()).contains("differ by 10 %");
    }

    @Test
    void aFailedWindowIsLeftOutAndReported() {
        InterferenceResult r = new InterferenceResult("vm", 256, 4, 15, List.of(
                window(Kind.NO_BG, 1500, 15, null, Double.NaN),
                InterferenceCase.failed(Kind.BG_IDLE, "the clone never got ready: timeout"),
                window(Kind.BG_NORMAL, 500, 10, null, 5000)));
        assertThat(r.requestsPerSecond(Kind.BG_IDLE)).isNaN();
        assertThat(r.ratio(Kind.BG_IDLE)).isNaN();
        assertThat(r.problems()).containsExactly("interference: BG booting at idle priority: the clone never got ready: timeout");
        JsonNode j = OutputJson.tree(r.json());
        assertThat(j.get("idle_ratio").isNull()).isTrue();
        assertThat(j.get("normal_ratio").asDouble()).isEqualTo(0.5);
        assertThat(j.get("windows").get(1).get("failure").asText()).isEqualTo("the clone never got ready: timeout");
    }

    @Test
    void theCasesTakeTurnsAndNoBgClosesTheRun() {
        assertThat(Interference.order(2)).containsExactly(Kind.NO_BG, Kind.BG_IDLE, Kind.BG_ADAPTIVE, Kind.BG_NORMAL,
                Kind.NO_BG, Kind.BG_IDLE, Kind.BG_ADAPTIVE, Kind.BG_NORMAL, Kind.NO_BG);
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
