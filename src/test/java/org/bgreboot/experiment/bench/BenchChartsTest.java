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
        assertThat(svgs.keySet()).containsExactly("-downtime.svg", "-downtime-by-guest.svg", "-switch.svg");
        assertThat(svgs.get("-downtime.svg")).contains("Downtime against memory (tiny guest, tcg, medians)").contains("(log)")
                .contains("normal @ 128M: ").contains("restore @ 2G: ").contains(">2G<");
        assertThat(svgs.get("-switch.svg")).contains("handover @ 2G: ").contains("restore @ 128M: ").doesNotContain("normal @");
    }

    @Test
    void noSwitchChartWithoutABackgroundMethod() {
        BenchResult r = result(plan(List.of(BenchMethod.NORMAL), 1, "128M"), List.of(ok(128, BenchMethod.NORMAL, 1, 7000, Double.NaN, 0)),
                Optional.empty());
        assertThat(BenchCharts.of(r).keySet()).containsExactly("-downtime.svg", "-downtime-by-guest.svg");
    }

    @Test
    void severalGuestsGetBarsByGuestAndMethodWithTheirRanges() {
        BenchResult r = result(new BenchPlan(List.of("debian11", "debian13"), List.of(org.bgreboot.spec.ByteSize.parse("256M"),
                org.bgreboot.spec.ByteSize.parse("2G")), List.of(BenchMethod.NORMAL, BenchMethod.BACKGROUND), 2, false, 15), List.of(
                BenchFixtures.of("debian11", 256, BenchMethod.NORMAL, 1, 20_000, Double.NaN),
                BenchFixtures.of("debian11", 256, BenchMethod.NORMAL, 2, 30_000, Double.NaN),
                BenchFixtures.of("debian11", 256, BenchMethod.BACKGROUND, 1, 100, 150),
                BenchFixtures.of("debian13", 2048, BenchMethod.BACKGROUND, 1, 90, 140)), Optional.empty());
        Map<String, String> svgs = BenchCharts.of(r);
        assertThat(svgs.keySet()).as("no line over memory sizes that mixes guests").containsExactly("-downtime-by-guest.svg", "-switch.svg");
        String bars = svgs.get("-downtime-by-guest.svg");
        assertThat(bars).contains("Downtime by guest and method (tcg)").contains("(log)")
                .contains("normal @ debian11 256M: 25000 (20000–30000)").contains("background @ debian13 2G: 90")
                .contains(">debian11<").contains(">256M<").contains("class=\"range\"");
        assertThat(bars.split("class=\"bar\"", -1)).as("one bar per measured cell").hasSize(4);
        assertThat(svgs.get("-switch.svg")).contains("handover @ debian13 2G: 140");
    }
}
