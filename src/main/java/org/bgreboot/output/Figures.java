package org.bgreboot.output;

/** How figures are rounded in outputs: what is measured, no false precision; NaN stays NaN (written as null). */
public final class Figures {
    private Figures() {}

    /** Milliseconds (and rates, MiB), one decimal. */
    public static double ms(double v) {
        return Double.isFinite(v) ? Math.round(v * 10) / 10.0 : Double.NaN;
    }

    /** Seconds from milliseconds, one decimal. */
    public static double seconds(double ms) {
        return ms(ms / 1000);
    }

    /** Ratios, four decimals: ratios near 1 % need them. */
    public static double ratio(double v) {
        return Double.isFinite(v) ? Math.round(v * 10_000) / 10_000.0 : Double.NaN;
    }
}
