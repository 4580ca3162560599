package org.bgreboot.render;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Grouped bars: one group per category (e.g. a guest at a memory size), one bar per named series
 * (e.g. a reboot method), each bar its median with a whisker from min to max, on a log y axis, so
 * seconds and milliseconds stand in one picture. A missing value leaves its slot empty.
 */
public final class BarChartSvg {

    static final double HEIGHT = 440, LEFT = 72, TOP = 40, BOTTOM = 72, GROUP_MIN_W = 64, WIDTH_MIN = 760;

    /** One bar: the median, and the range over the repeats (equal to it for one repeat); NaN where nothing was measured. */
    public record Bar(double median, double min, double max) {
        boolean usable() {
            return median > 0 && Double.isFinite(median);
        }
    }

    /** A named series: one bar per category. */
    public record Bars(String name, List<Bar> values) {
        public Bars {
            values = Collections.unmodifiableList(new ArrayList<>(values));
        }
    }

    private BarChartSvg() {}

    public static String render(String title, String yLabel, List<String> categories, List<Bars> series) {
        if (categories.isEmpty()) throw new IllegalArgumentException("no categories");
        double legendW = 50 + series.stream().mapToDouble(se -> Svg.textWidth(se.name(), 11)).max().orElse(0);
        double legend = Math.max(120, legendW);
        double plotW = Math.max(WIDTH_MIN - LEFT - legend, categories.size() * Math.max(GROUP_MIN_W, 14.0 * series.size() + 12));
        double width = LEFT + plotW + legend, plotH = HEIGHT - TOP - BOTTOM;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Bars se : series) {
            for (Bar b : se.values()) {
                if (!b.usable()) continue;
                lo = Math.min(lo, positive(b.min(), b.median()));
                hi = Math.max(hi, Double.isFinite(b.max()) ? Math.max(b.max(), b.median()) : b.median());
            }
        }
        if (lo == Double.POSITIVE_INFINITY) { lo = 1; hi = 10; }
        double dLo = Math.floor(Math.log10(lo)), dHi = Math.ceil(Math.log10(hi));
        if (dHi <= dLo) dHi = dLo + 1;
        final double a = dLo, z = dHi;
        java.util.function.DoubleUnaryOperator y = v -> TOP + plotH - (Math.log10(v) - a) / (z - a) * plotH;

        StringBuilder s = new StringBuilder(Svg.header(width, HEIGHT));
        s.append("<title>").append(Svg.esc(title)).append("</title>\n");
        s.append(Svg.text(LEFT, 22, null, "font-size=\"14\" font-weight=\"bold\"", title));
        for (double d = dLo; d <= dHi; d++) {
            double t = Math.pow(10, d), ty = y.applyAsDouble(t);
            s.append("<line x1=\"").append(Svg.f(LEFT)).append("\" y1=\"").append(Svg.f(ty)).append("\" x2=\"")
             .append(Svg.f(LEFT + plotW)).append("\" y2=\"").append(Svg.f(ty)).append("\" stroke=\"#e6e6e6\"/>\n");
            s.append(Svg.text(LEFT - 6, ty + 4, "end", null, Svg.tick(t)));
        }
        s.append("<rect x=\"").append(Svg.f(LEFT)).append("\" y=\"").append(Svg.f(TOP)).append("\" width=\"")
         .append(Svg.f(plotW)).append("\" height=\"").append(Svg.f(plotH)).append("\" fill=\"none\" stroke=\"#999999\"/>\n");
        double group = plotW / categories.size();
        double barW = Math.min(28, (group - 12) / Math.max(1, series.size()));
        for (int i = 0; i < categories.size(); i++) {
            double gx = LEFT + group * i + (group - barW * series.size()) / 2;
            for (int k = 0; k < series.size(); k++) {
                Bar b = i < series.get(k).values().size() ? series.get(k).values().get(i) : new Bar(Double.NaN, Double.NaN, Double.NaN);
                if (!b.usable()) continue;
                String colour = Svg.PALETTE[k % Svg.PALETTE.length];
                double x = gx + k * barW, top = y.applyAsDouble(b.median()), base = TOP + plotH;
                s.append("<rect class=\"bar\" x=\"").append(Svg.f(x + 1)).append("\" y=\"").append(Svg.f(top)).append("\" width=\"")
                 .append(Svg.f(barW - 2)).append("\" height=\"").append(Svg.f(Math.max(0, base - top))).append("\" fill=\"").append(colour)
                 .append("\"><title>").append(Svg.esc(series.get(k).name() + " @ " + categories.get(i) + ": " + Svg.tick(b.median())
                         + (b.min() < b.max() ? " (" + Svg.tick(b.min()) + "–" + Svg.tick(b.max()) + ")" : ""))).append("</title></rect>\n");
                if (b.min() > 0 && b.max() > b.min()) {
                    double cx = x + barW / 2, y1 = y.applyAsDouble(b.min()), y2 = y.applyAsDouble(b.max());
                    s.append("<path class=\"range\" stroke=\"#333333\" fill=\"none\" d=\"M").append(Svg.f(cx)).append(' ').append(Svg.f(y1))
                     .append("V").append(Svg.f(y2)).append("M").append(Svg.f(cx - 3)).append(' ').append(Svg.f(y1)).append("h6M")
                     .append(Svg.f(cx - 3)).append(' ').append(Svg.f(y2)).append("h6\"/>\n");
                }
            }
            String[] label = categories.get(i).split(" ", 2);
            double lx = LEFT + group * (i + 0.5);
            s.append(Svg.text(lx, TOP + plotH + 16, "middle", null, label[0]));
            if (label.length > 1) {
                s.append(Svg.text(lx, TOP + plotH + 30, "middle", null, label[1]));
            }
        }
        double midY = TOP + plotH / 2;
        s.append(Svg.text(18, midY, "middle", "transform=\"rotate(-90 18 " + Svg.f(midY) + ")\"", yLabel + " (log)"));
        s.append(Svg.text(LEFT + plotW / 2, HEIGHT - 14, "middle", null, "bars: medians; whiskers: min–max over the repeats"));
        for (int k = 0; k < series.size(); k++) {
            String colour = Svg.PALETTE[k % Svg.PALETTE.length];
            double ly = TOP + 8 + k * 20, lx = LEFT + plotW + 16;
            s.append("<rect x=\"").append(Svg.f(lx)).append("\" y=\"").append(Svg.f(ly - 6)).append("\" width=\"16\" height=\"12\" fill=\"")
             .append(colour).append("\"/>\n");
            s.append(Svg.text(lx + 22, ly + 4, null, "class=\"legend\"", series.get(k).name()));
        }
        return s.append("</svg>\n").toString();
    }

    private static double positive(double min, double median) {
        return min > 0 && Double.isFinite(min) ? Math.min(min, median) : median;
    }
}
