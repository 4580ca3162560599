package org.bgreboot.experiment.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bgreboot.experiment.bench.BenchFixtures.ok;
import static org.bgreboot.experiment.bench.BenchFixtures.plan;
import static org.bgreboot.experiment.bench.BenchFixtures.result;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import org.bgreboot.experiment.bench.BenchCharts;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchResult;
class BenchChartsTest {

    @Test
    void downtimeAndSwitchChartsHaveOneLinePerMethodOverTheMemorySizes() {
        BenchResult r = result(plan(List.of(BenchMethod.NORMAL, BenchMethod.BACKGROUND, BenchMethod.RESTORE), 1, "128M", "2G"), List.of(
                ok(128, BenchMethod.NORMAL, 1, 7000, Double.NaN, 0),
                ok(128, BenchMethod.BACKGROUND, 1, 100, 200, 0),
                ok(128, BenchMethod.RESTORE, 1, 900, 1000, 0),
                ok(2048, BenchMethod.NORMAL, 1, 8000, Double.NaN, 0),
                ok(2048, BenchMethod.BACKGROUND, 1, 110, 210, 0),
                ok(2048, BenchMethod.RESTORE, 1, 9000, 9500, 0)), Optional.empty());
        Map<String, String> svgs = BenchCharts.of(r);
        assertThat(svgs.keySet()).containsExactly("-downtime.svg", "-switch.svg");
        assertThat(svgs.get("-downtime.svg")).contains("Downtime against memory (tiny guest, tcg, medians)").contains("(log)")
                .contains("normal @ 128M: ").contains("restore @ 2G: ").contains(">2G<");
        assertThat(svgs.get("-switch.svg")).contains("handover @ 2G: ").contains("restore @ 128M: ").doesNotContain("normal @");
    }

    @Test
    void noSwitchChartWithoutABackgroundMethod() {
        BenchResult r = result(plan(List.of(BenchMethod.NORMAL), 1, "128M"), List.of(ok(128, BenchMethod.NORMAL, 1, 7000, Double.NaN, 0)),
                Optional.empty());
        assertThat(BenchCharts.of(r).keySet()).containsExactly("-downtime.svg");
    }
}
