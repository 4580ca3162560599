package org.bgreboot.experiment.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

import org.bgreboot.experiment.bench.BenchStat;
class BenchStatTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        BenchStat s = BenchStat.of(List.of(300.0, 100.0, 200.0));
        assertThat(s.median()).isEqualTo(200);
        assertThat(s.min()).isEqualTo(100);
        assertThat(s.max()).isEqualTo(300);
        assertThat(s.n()).isEqualTo(3);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(BenchStat.of(List.of(400.0, 100.0, 200.0, 300.0)).median()).isEqualTo(250);
    }

    @Test
    void notMeasuredValuesAreLeftOut() {
        BenchStat s = BenchStat.of(List.of(Double.NaN, 120.0, Double.NaN));
        assertThat(s.n()).isEqualTo(1);
        assertThat(s.median()).isEqualTo(120);
        assertThat(BenchStat.of(List.of(Double.NaN)).empty()).isTrue();
        assertThat(BenchStat.of(List.of()).median()).isNaN();
    }

    @Test
    void formatsMillisecondsBelowASecondAndSecondsAbove() {
        assertThat(BenchStat.of(List.of(118.2)).format()).isEqualTo("118 ms");
        assertThat(BenchStat.of(List.of(160.0, 180.0, 210.0)).format()).isEqualTo("180 ms (160–210)");
        assertThat(BenchStat.of(List.of(5100.0, 5600.0, 6040.0)).format()).isEqualTo("5.6 s (5.1–6.0)");
        // the range is given in the median's unit, even where an end of it is below a second
        assertThat(BenchStat.of(List.of(900.0, 1200.0, 1500.0)).format()).isEqualTo("1.2 s (0.9–1.5)");
    }

    @Test
    void aRangeThatRoundsToOneValueIsNotShown() {
        assertThat(BenchStat.of(List.of(7301.0, 7330.0, 7340.0)).format()).isEqualTo("7.3 s");
        assertThat(BenchStat.of(List.of()).format()).isEqualTo("–");
    }
}
