package org.bgreboot.render;

import java.util.ArrayList;
import java.util.List;

import org.bgreboot.render.Svg;
/**
 * A line chart over categories (e.g. memory sizes) with several named series, a legend, and an
 * optional log y axis: "downtime vs memory per method", "switch time vs memory". Missing values
 * break a line; on a log axis values ≤ 0 are missing too.
 */
public final class LineChartSvg {

    static final double WIDTH = 760, HEIGHT = 420, LEFT = 72, TOP = 40, BOTTOM = 56;

    private LineChartSvg() {}

    public static String render(String title, String xLabel, String yLabel, List<String> categories,
                                List<Series> series, boolean logY) {
        if (categories.isEmpty()) throw new IllegalArgumentException("no categories");
        // The legend sits right of the plot and takes the room its longest name needs.
        double legendW = 50 + series.stream().mapToDouble(se -> Svg.textWidth(se.name(), 11)).max().orElse(0);
        double plotW = WIDTH - LEFT - Math.min(Math.max(120, legendW), WIDTH / 2), plotH = HEIGHT - TOP - BOTTOM;
        YAxis axis = YAxis.of(series, categories.size(), logY);

        StringBuilder s = new StringBuilder(Svg.header(WIDTH, HEIGHT));
        s.append("<title>").append(Svg.esc(title)).append("</title>\n");
        s.append(Svg.text(LEFT, 22, null, "font-size=\"14\" font-weight=\"bold\"", title));
        for (double t : axis.ticks) {
            double y = TOP + plotH - axis.fraction(t) * plotH;
            s.append("<line x1=\"").append(Svg.f(LEFT)).append("\" y1=\"").append(Svg.f(y)).append("\" x2=\"")
             .append(Svg.f(LEFT + plotW)).append("\" y2=\"").append(Svg.f(y)).append("\" stroke=\"#e6e6e6\"/>\n");
            s.append(Svg.text(LEFT - 6, y + 4, "end", null, Svg.tick(t)));
        }
        s.append("<rect x=\"").append(Svg.f(LEFT)).append("\" y=\"").append(Svg.f(TOP)).append("\" width=\"")
         .append(Svg.f(plotW)).append("\" height=\"").append(Svg.f(plotH)).append("\" fill=\"none\" stroke=\"#999999\"/>\n");
        double step = plotW / categories.size();
        for (int i = 0; i < categories.size(); i++) {
            s.append(Svg.text(LEFT + step * (i + 0.5), TOP + plotH + 16, "middle", null, categories.get(i)));
        }
        s.append(Svg.text(LEFT + plotW / 2, HEIGHT - 16, "middle", null, xLabel));
        double midY = TOP + plotH / 2;
        s.append(Svg.text(18, midY, "middle", "transform=\"rotate(-90 18 " + Svg.f(midY) + ")\"",
                yLabel + (logY ? " (log)" : "")));

        for (int k = 0; k < series.size(); k++) {
            Series se = series.get(k);
            String colour = Svg.PALETTE[k % Svg.PALETTE.length];
            s.append("<g class=\"series\" stroke=\"").append(colour).append("\" fill=\"").append(colour).append("\">\n");
            StringBuilder d = new StringBuilder();
            boolean penDown = false;
            List<String> points = new ArrayList<>();
            for (int i = 0; i < categories.size(); i++) {
                if (!axis.usable(se, i)) {
                    penDown = false;
                    continue;
                }
                double v = se.values().get(i);
                double x = LEFT + step * (i + 0.5), y = TOP + plotH - axis.fraction(v) * plotH;
                d.append(penDown ? 'L' : 'M').append(Svg.f(x)).append(' ').append(Svg.f(y));
                penDown = true;
                points.add("<circle cx=\"" + Svg.f(x) + "\" cy=\"" + Svg.f(y) + "\" r=\"3.5\"><title>"
                        + Svg.esc(se.name() + " @ " + categories.get(i) + ": " + Svg.tick(v)) + "</title></circle>\n");
            }
            if (d.length() > 0) s.append("<path fill=\"none\" stroke-width=\"2\" d=\"").append(d).append("\"/>\n");
            points.forEach(s::append);
            s.append("</g>\n");
            double ly = TOP + 8 + k * 20;
            double lx = LEFT + plotW + 16;
            s.append("<line x1=\"").append(Svg.f(lx)).append("\" y1=\"").append(Svg.f(ly)).append("\" x2=\"")
             .append(Svg.f(lx + 22)).append("\" y2=\"").append(Svg.f(ly)).append("\" stroke=\"").append(colour)
             .append("\" stroke-width=\"2\"/>\n");
            s.append("<circle cx=\"").append(Svg.f(lx + 11)).append("\" cy=\"").append(Svg.f(ly))
             .append("\" r=\"3.5\" fill=\"").append(colour).append("\"/>\n");
            s.append(Svg.text(lx + 28, ly + 4, null, "class=\"legend\"", se.name()));
        }
        return s.append("</svg>\n").toString();
    }

    /** The y scale: linear from 0 (or below, for negatives) with nice ticks, or whole decades when log. */
    private record YAxis(boolean log, double lo, double hi, List<Double> ticks) {

        static YAxis of(List<Series> series, int n, boolean log) {
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (Series se : series) {
                for (int i = 0; i < n; i++) {
                    if (!se.has(i) || (log && se.values().get(i) <= 0)) continue;
                    min = Math.min(min, se.values().get(i));
                    max = Math.max(max, se.values().get(i));
                }
            }
            if (log) {
                if (min == Double.POSITIVE_INFINITY) { min = 1; max = 10; }
                double lo = Math.floor(Math.log10(min)), hi = Math.ceil(Math.log10(max));
                if (hi <= lo) hi = lo + 1;
                List<Double> ticks = new ArrayList<>();
                for (double d = lo; d <= hi; d++) ticks.add(Math.pow(10, d));
                return new YAxis(true, lo, hi, ticks);
            }
            if (min == Double.POSITIVE_INFINITY) { min = 0; max = 1; }
            double lo = Math.min(0, min), hi = Math.max(max, lo + 1e-9);
            double step = Svg.niceStep((hi - lo) / 6);
            lo = Math.floor(lo / step) * step;
            hi = Math.ceil(hi / step) * step;
            if (hi <= lo) hi = lo + step;
            return new YAxis(false, lo, hi, Svg.linearTicks(lo, hi, 6));
        }

        boolean usable(Series se, int i) {
            return se.has(i) && (!log || se.values().get(i) > 0);
        }

        double fraction(double v) {
            return log ? (Math.log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
        }
    }
}
