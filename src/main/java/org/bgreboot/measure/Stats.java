package org.bgreboot.measure;

import java.util.Arrays;
import java.util.Collection;

/** Order statistics for repeated measurements (DESIGN.md quotes medians). */
public final class Stats {

    private Stats() {}

    /** Nearest-rank percentile, {@code p} in [0, 100]; NaN for no values. NaN values are ignored. */
    public static double percentile(double[] values, double p) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.min(v.length - 1, Math.max(0, rank - 1))];
    }

    /** The median; for an even count the mean of the two middle values. NaN for no values. */
    public static double median(double[] values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    public static double median(Collection<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
