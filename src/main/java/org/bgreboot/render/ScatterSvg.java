package org.bgreboot.render;

import java.util.List;

/** A few labelled points on two linear axes: one point per case, e.g. FG's throughput against the clone's boot time. */
public final class ScatterSvg {
    /** One point; {@code label} is written beside it. */
    public record Point(String label, double x, double y) {}

    private static final double W = 640;
    private static final double H = 400;
    private static final double LEFT = 70;
    private static final double RIGHT = 30;
    private static final double TOP = 40;
    private static final double BOTTOM = 50;

    private ScatterSvg() {}

    public static String render(String title, String xLabel, String yLabel, List<Point> points) {
        List<Point> shown = points.stream().filter(p -> !Double.isNaN(p.x()) && !Double.isNaN(p.y())).toList();
        double xMax = shown.stream().mapToDouble(Point::x).max().orElse(1) * 1.15;
        double yMin = Math.min(0.8, shown.stream().mapToDouble(Point::y).min().orElse(0.8) - 0.05);
        double yMax = Math.max(1.05, shown.stream().mapToDouble(Point::y).max().orElse(1) + 0.05);
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        StringBuilder b = new StringBuilder(Svg.header(W, H));
        b.append(Svg.text(W / 2, 20, "middle", "style=\"font-size:13px;font-weight:bold\"", title));
        for (double t : Svg.linearTicks(0, xMax, 6)) {
            double x = LEFT + t / xMax * plotW;
            b.append("<line x1=\"").append(Svg.f(x)).append("\" y1=\"").append(Svg.f(TOP)).append("\" x2=\"").append(Svg.f(x))
                    .append("\" y2=\"").append(Svg.f(TOP + plotH)).append("\" stroke=\"#eee\"/>\n");
            b.append(Svg.text(x, TOP + plotH + 16, "middle", null, Svg.tick(t)));
        }
        for (double t : Svg.linearTicks(yMin, yMax, 6)) {
            double y = TOP + plotH - (t - yMin) / (yMax - yMin) * plotH;
            b.append("<line x1=\"").append(Svg.f(LEFT)).append("\" y1=\"").append(Svg.f(y)).append("\" x2=\"").append(Svg.f(LEFT + plotW))
                    .append("\" y2=\"").append(Svg.f(y)).append("\" stroke=\"#eee\"/>\n");
            b.append(Svg.text(LEFT - 6, y + 4, "end", null, Svg.tick(t)));
        }
        b.append("<rect x=\"").append(Svg.f(LEFT)).append("\" y=\"").append(Svg.f(TOP)).append("\" width=\"").append(Svg.f(plotW))
                .append("\" height=\"").append(Svg.f(plotH)).append("\" fill=\"none\" stroke=\"#333\"/>\n");
        b.append(Svg.text(LEFT + plotW / 2, H - 12, "middle", null, xLabel));
        b.append(Svg.text(16, TOP + plotH / 2, "middle", "transform=\"rotate(-90 16 " + Svg.f(TOP + plotH / 2) + ")\"", yLabel));
        for (int i = 0; i < shown.size(); i++) {
            Point p = shown.get(i);
            double x = LEFT + p.x() / xMax * plotW;
            double y = TOP + plotH - (p.y() - yMin) / (yMax - yMin) * plotH;
            String color = Svg.PALETTE[i % Svg.PALETTE.length];
            b.append("<circle cx=\"").append(Svg.f(x)).append("\" cy=\"").append(Svg.f(y)).append("\" r=\"6\" fill=\"").append(color).append("\"/>\n");
            b.append(Svg.text(x + 10, y - 8, null, "fill=\"" + color + "\"", p.label()));
        }
        return b.append("</svg>\n").toString();
    }
}
