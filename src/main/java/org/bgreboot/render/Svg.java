package org.bgreboot.render;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Shared bits of the hand-written SVG charts: escaping, compact numbers, axis ticks, palette. */
final class Svg {

    static final String FONT = "font-family:DejaVu Sans,Helvetica,Arial,sans-serif";
    /** Matplotlib's tab10: distinguishable, and familiar to readers of plots. */
    static final String[] PALETTE = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
            "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#d62728"};
    static final String RED = "#d62728";

    private Svg() {}

    static String header(double width, double height) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + f(width) + "\" height=\"" + f(height)
                + "\" viewBox=\"0 0 " + f(width) + " " + f(height) + "\" style=\"" + FONT + ";font-size:11px\">\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    }

    /** XML text and attribute escaping. */
    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    // Control characters are not allowed in XML 1.0; drop them.
                    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') b.append(c);
                }
            }
        }
        return b.toString();
    }

    /** A coordinate with at most one decimal, no exponent, locale-independent. */
    static String f(double v) {
        long tenths = Math.round(v * 10);
        return tenths % 10 == 0 ? Long.toString(tenths / 10) : String.format(Locale.ROOT, "%.1f", tenths / 10.0);
    }

    /** A tick value with up to 3 significant digits and no trailing zeros. */
    static String tick(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) return v == 0 ? "0" : Double.toString(v);
        double a = Math.abs(v);
        if (a < 1e-4 || a >= 1e9) return String.format(Locale.ROOT, "%.2g", v);
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    static String text(double x, double y, String anchor, String extra, String content) {
        return "<text x=\"" + f(x) + "\" y=\"" + f(y) + "\"" + (anchor == null ? "" : " text-anchor=\"" + anchor + "\"")
                + (extra == null ? "" : " " + extra) + ">" + esc(content) + "</text>\n";
    }

    /** A rough text width for layout (no font metrics in plain Java without AWT). */
    static double textWidth(String s, double fontPx) {
        return s.length() * fontPx * 0.6;
    }

    /** Linear ticks at 1, 2 or 5 × 10^k covering [lo, hi], about {@code target} of them. */
    static List<Double> linearTicks(double lo, double hi, int target) {
        double step = niceStep((hi - lo) / Math.max(1, target));
        List<Double> ticks = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
            ticks.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        }
        return ticks;
    }

    static double niceStep(double raw) {
        if (!(raw > 0) || Double.isInfinite(raw)) return 1;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double n = raw / mag;
        return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
    }
}
