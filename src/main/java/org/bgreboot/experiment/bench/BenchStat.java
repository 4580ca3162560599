package org.bgreboot.experiment.bench;

import java.util.Arrays;
import java.util.List;
import org.bgreboot.measure.Stats;

/** Median and range of one figure over the repeats that measured it (NaN figures are left out). */
public record BenchStat(double median, double min, double max, int n) {

    public static BenchStat of(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(x -> !Double.isNaN(x)).toArray();
        if (v.length == 0) {
            return new BenchStat(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        return new BenchStat(Stats.median(v), Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow(), v.length);
    }

    public boolean empty() {
        return n == 0;
    }

    /** "180 ms", "5.6 s (5.1–6.0)": the median, and the range in the median's unit when it is one. */
    public String format() {
        if (empty()) {
            return "–";
        }
        boolean seconds = median >= 1000;
        String m = number(median, seconds);
        String unit = seconds ? " s" : " ms";
        if (n == 1 || number(min, seconds).equals(number(max, seconds))) {
            return m + unit;
        }
        return m + unit + " (" + number(min, seconds) + "–" + number(max, seconds) + ")";
    }

    private static String number(double ms, boolean seconds) {
        return seconds ? String.format("%.1f", ms / 1000) : String.format("%.0f", ms);
    }
}
