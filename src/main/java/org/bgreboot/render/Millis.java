package org.bgreboot.render;

import java.util.Locale;

/** Human text for a duration in ms, with the unit that keeps it short: "0.4 ms", "180 ms", "1.25 s", "27.4 s". */
public final class Millis {

    private Millis() {}

    public static String text(double ms) {
        if (Double.isNaN(ms)) return "–";
        if (Double.isInfinite(ms)) return ms > 0 ? "∞" : "-∞";
        double a = Math.abs(ms);
        if (a < 10) return String.format(Locale.ROOT, "%.1f ms", ms);
        if (a < 1000) return String.format(Locale.ROOT, "%.0f ms", ms);
        if (a < 10_000) return String.format(Locale.ROOT, "%.2f s", ms / 1000);
        if (a < 100_000) return String.format(Locale.ROOT, "%.1f s", ms / 1000);
        return String.format(Locale.ROOT, "%.0f s", ms / 1000);
    }
}
