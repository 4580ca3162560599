package org.bgreboot.render;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

import org.bgreboot.render.Svg;
import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.ProbeSample;
/**
 * Probe timelines as one standalone SVG, one panel per timeline stacked with a shared style:
 * x = seconds since the reboot started, y = latency on a log scale (answers range from 1 ms to
 * the request timeout). Each good answer is a dot coloured by the boot it came from (old blue,
 * new green, any other grey); failures are red ticks in a band under the plot; the downtime is
 * shaded and labelled; phases are labelled bands above the plot and faintly shade it.
 */
public final class TimelineSvg {

    static final double WIDTH = 1000, LEFT = 72, RIGHT = 24;
    static final double PLOT_H = 180, LANE_H = 16, BAND_H = 14, GAP = 14;
    static final String OLD = Svg.PALETTE[0], NEW = Svg.PALETTE[2], OTHER = "#999999";
    static final String SHADE = "#ff7f0e";

    private TimelineSvg() {}

    /** Panels share one time axis, so their spans compare at a glance. */
    public static String render(List<TimelinePanel> panels) {
        return render(panels, true);
    }

    public static String render(List<TimelinePanel> panels, boolean shareTimeAxis) {
        if (panels.isEmpty()) throw new IllegalArgumentException("nothing to draw");
        double[] yDecades = latencyDecades(panels);
        double[] shared = shareTimeAxis ? timeRange(panels) : null;
        StringBuilder body = new StringBuilder();
        double y = 8;
        for (TimelinePanel p : panels) {
            double[] range = shared != null ? shared : timeRange(List.of(p));
            Panel panel = new Panel(p, range[0], range[1], yDecades[0], yDecades[1]);
            body.append("<g class=\"panel\" transform=\"translate(0,").append(Svg.f(y)).append(")\">\n")
                .append(panel.draw())
                .append("</g>\n");
            y += panel.height() + GAP;
        }
        String title = String.join(" / ", panels.stream().map(TimelinePanel::title).toList());
        return Svg.header(WIDTH, y) + "<title>" + Svg.esc(title) + "</title>\n" + body + "</svg>\n";
    }

    /** [lo, hi] seconds since reboot start covering every sample and phase, widened to whole ticks. */
    static double[] timeRange(List<TimelinePanel> panels) {
        double lo = 0, hi = 0;
        for (TimelinePanel p : panels) {
            for (ProbeSample s : p.log().samples()) {
                lo = Math.min(lo, (s.sentMs() - p.rebootStartMs()) / 1000);
                hi = Math.max(hi, (s.answeredMs() - p.rebootStartMs()) / 1000);
            }
            for (PhaseMark m : p.phases()) {
                lo = Math.min(lo, (m.startMs() - p.rebootStartMs()) / 1000);
                hi = Math.max(hi, (m.endMs() - p.rebootStartMs()) / 1000);
            }
        }
        if (hi - lo < 1e-3) hi = lo + 1;
        double step = Svg.niceStep((hi - lo) / 10);
        return new double[] {Math.floor(lo / step) * step, Math.ceil(hi / step) * step};
    }

    /** Decades of ms for the log axis: at least 1 ms .. 1 s, widened to fit every good answer. */
    static double[] latencyDecades(List<TimelinePanel> panels) {
        double min = 1, max = 1000;
        for (TimelinePanel p : panels) {
            for (ProbeSample s : p.log().good()) {
                double l = Math.max(0.01, s.latencyMs());
                min = Math.min(min, l);
                max = Math.max(max, l);
            }
        }
        return new double[] {Math.floor(Math.log10(min)), Math.ceil(Math.log10(max))};
    }

    static String decadeLabel(double decade) {
        double ms = Math.pow(10, decade);
        return ms >= 1000 ? Svg.tick(ms / 1000) + " s" : Svg.tick(ms) + " ms";
    }

    /** One panel's drawing; coordinates are relative to the panel's top. */
    private static final class Panel {
        final TimelinePanel p;
        final DowntimeResult d;
        final double lo, hi, decLo, decHi;
        final List<List<Lane>> lanes = new ArrayList<>();
        final double plotTop, plotBottom, bandTop, bandBottom;

        Panel(TimelinePanel p, double lo, double hi, double decLo, double decHi) {
            this.p = p;
            this.d = p.downtime() != null ? p.downtime() : Downtime.analyze(p.log(), p.rebootStartMs());
            this.lo = lo;
            this.hi = hi;
            this.decLo = decLo;
            this.decHi = decHi;
            layoutPhases();
            double lanesHeight = lanes.size() * LANE_H;
            plotTop = 44 + lanesHeight + (lanes.isEmpty() ? 0 : 4);
            plotBottom = plotTop + PLOT_H;
            bandTop = plotBottom + 4;
            bandBottom = bandTop + BAND_H;
        }

        double height() {
            return bandBottom + 36;
        }

        double x(double ms) {
            double sec = (ms - p.rebootStartMs()) / 1000;
            return LEFT + (sec - lo) / (hi - lo) * (WIDTH - LEFT - RIGHT);
        }

        double y(double latencyMs) {
            double dec = Math.log10(Math.max(Math.pow(10, decLo), Math.min(Math.pow(10, decHi), latencyMs)));
            return plotBottom - (dec - decLo) / (decHi - decLo) * PLOT_H;
        }

        record Lane(PhaseMark mark, double x0, double x1, double labelX, String anchor, String label, boolean inside) {
            double left() {
                return inside ? x0 : Math.min(x0, "end".equals(anchor) ? labelX - Svg.textWidth(label, 10) : x0);
            }

            double right() {
                return inside || "end".equals(anchor) ? x1 : Math.max(x1, labelX + Svg.textWidth(label, 10));
            }
        }

        /** Greedy lanes: a phase (with its label) goes in the first lane it does not overlap. */
        void layoutPhases() {
            List<PhaseMark> marks = new ArrayList<>(p.phases());
            marks.sort(Comparator.comparingDouble(PhaseMark::startMs));
            for (PhaseMark m : marks) {
                double x0 = x(m.startMs()), x1 = Math.max(x0 + 2, x(m.endMs()));
                String label = m.name() + " " + Millis.text(m.endMs() - m.startMs());
                double w = Svg.textWidth(label, 10);
                Lane lane;
                if (w + 6 <= x1 - x0) lane = new Lane(m, x0, x1, (x0 + x1) / 2, "middle", label, true);
                else if (x1 + 3 + w <= WIDTH - RIGHT) lane = new Lane(m, x0, x1, x1 + 3, "start", label, false);
                else lane = new Lane(m, x0, x1, x0 - 3, "end", label, false);
                List<Lane> target = null;
                for (List<Lane> l : lanes) {
                    if (l.get(l.size() - 1).right() + 4 <= lane.left()) {
                        target = l;
                        break;
                    }
                }
                if (target == null) lanes.add(target = new ArrayList<>());
                target.add(lane);
            }
        }

        String draw() {
            StringBuilder s = new StringBuilder();
            s.append(Svg.text(LEFT, 16, null, "font-size=\"14\" font-weight=\"bold\"", p.title()));
            legend(s);
            phases(s);
            axes(s);
            downtime(s);
            dots(s);
            failures(s);
            return s.toString();
        }

        void legend(StringBuilder s) {
            List<String[]> items = new ArrayList<>();
            if (d.bootIdBefore() != null || d.versionBefore() != null) {
                items.add(new String[] {OLD, "old: " + osText(d.versionBefore(), d.kernelBefore(), d.bootIdBefore())});
            }
            if (d.newBootSeen()) {
                items.add(new String[] {NEW, "new: " + osText(d.versionAfter(), d.kernelAfter(), d.bootIdAfter())});
            }
            long failed = p.log().samples().stream().filter(sample -> !sample.ok()).count();
            items.add(new String[] {Svg.RED, "failed (" + failed + " of " + p.log().samples().size() + ")"});
            double x = LEFT;
            for (String[] item : items) {
                if (item[0].equals(Svg.RED)) {
                    s.append(line(x, 26, x, 36, Svg.RED, 2));
                } else {
                    s.append("<circle cx=\"").append(Svg.f(x)).append("\" cy=\"31\" r=\"3\" fill=\"").append(item[0]).append("\"/>\n");
                }
                s.append(Svg.text(x + 7, 35, null, null, item[1]));
                x += 7 + Svg.textWidth(item[1], 11) + 18;
            }
        }

        static String osText(String version, String kernel, String bootId) {
            List<String> parts = new ArrayList<>();
            parts.add(version != null ? version : "?");
            if (kernel != null) parts.add("kernel " + kernel);
            if (bootId != null) parts.add("boot " + (bootId.length() > 8 ? bootId.substring(0, 8) : bootId));
            return String.join(" · ", parts);
        }

        void phases(StringBuilder s) {
            for (int i = 0; i < lanes.size(); i++) {
                double top = 44 + i * LANE_H;
                for (Lane l : lanes.get(i)) {
                    String colour = Svg.PALETTE[Math.floorMod(l.mark().name().hashCode(), 6) + 3];
                    s.append(rect(l.x0(), top, l.x1() - l.x0(), LANE_H - 2, colour, 0.45, "phase"));
                    s.append(rect(l.x0(), plotTop, l.x1() - l.x0(), PLOT_H, colour, 0.08, null));
                    s.append(Svg.text(l.labelX(), top + LANE_H - 5, l.anchor(), "font-size=\"10\"", l.label()));
                }
            }
        }

        void axes(StringBuilder s) {
            double plotW = WIDTH - LEFT - RIGHT;
            s.append(rect(LEFT, bandTop, plotW, BAND_H, "#f2f2f2", 1, null));
            s.append(Svg.text(LEFT - 6, bandTop + BAND_H - 3, "end", "fill=\"" + Svg.RED + "\"", "failed"));
            for (double dec = decLo; dec <= decHi; dec++) {
                double yy = y(Math.pow(10, dec));
                s.append(line(LEFT, yy, WIDTH - RIGHT, yy, "#e6e6e6", 1));
                s.append(Svg.text(LEFT - 6, yy + 4, "end", null, decadeLabel(dec)));
            }
            for (double t : Svg.linearTicks(lo, hi, 10)) {
                double xx = x(p.rebootStartMs() + t * 1000);
                s.append(line(xx, plotTop, xx, plotBottom, "#eeeeee", 1));
                s.append(line(xx, bandBottom, xx, bandBottom + 4, "#666666", 1));
                s.append(Svg.text(xx, bandBottom + 15, "middle", null, Svg.tick(t)));
            }
            s.append("<rect x=\"").append(Svg.f(LEFT)).append("\" y=\"").append(Svg.f(plotTop))
             .append("\" width=\"").append(Svg.f(plotW)).append("\" height=\"").append(Svg.f(PLOT_H))
             .append("\" fill=\"none\" stroke=\"#999999\"/>\n");
            s.append(Svg.text(LEFT + plotW / 2, bandBottom + 30, "middle", null, "time since reboot start (s)"));
            double midY = (plotTop + plotBottom) / 2;
            s.append(Svg.text(16, midY, "middle", "transform=\"rotate(-90 16 " + Svg.f(midY) + ")\"", "latency (log)"));
            double x0 = x(p.rebootStartMs());
            s.append("<line x1=\"").append(Svg.f(x0)).append("\" y1=\"").append(Svg.f(plotTop)).append("\" x2=\"")
             .append(Svg.f(x0)).append("\" y2=\"").append(Svg.f(bandBottom))
             .append("\" stroke=\"#444444\" stroke-dasharray=\"4 3\"/>\n");
            s.append(Svg.text(x0 + 3, plotBottom - 4, null, "fill=\"#444444\"", "reboot start"));
        }

        void downtime(StringBuilder s) {
            String label;
            double a, b;
            if (Double.isNaN(d.downtimeMs())) {
                s.append(Svg.text(WIDTH - RIGHT - 4, plotTop + 14, "end", "font-weight=\"bold\"", "no good answer"));
                return;
            }
            if (d.newBootSeen()) {
                a = x(d.lastOldMs());
                b = x(d.firstNewMs());
                label = "downtime " + Millis.text(d.downtimeMs());
            } else if (d.downtimeMs() > 0) {
                a = x(d.lastOldMs());
                b = x(d.lastOldMs() + d.downtimeMs());
                label = "no new boot; down ≥ " + Millis.text(d.downtimeMs());
            } else {
                s.append(Svg.text(WIDTH - RIGHT - 4, plotTop + 14, "end", "font-weight=\"bold\"", "no new boot seen: downtime 0"));
                return;
            }
            b = Math.max(b, a + 1.5);
            s.append(rect(a, plotTop, b - a, bandBottom - plotTop, SHADE, 0.28, "downtime"));
            double w = Svg.textWidth(label, 12);
            boolean right = b + 4 + w <= WIDTH - RIGHT;
            s.append(Svg.text(right ? b + 4 : a - 4, plotTop + 14, right ? "start" : "end",
                    "font-size=\"12\" font-weight=\"bold\" fill=\"#b35900\"", label));
        }

        void dots(StringBuilder s) {
            StringBuilder old = new StringBuilder(), nu = new StringBuilder(), other = new StringBuilder();
            for (ProbeSample sample : p.log().good()) {
                StringBuilder target = Objects.equals(sample.bootId(), d.bootIdBefore()) ? old
                        : d.newBootSeen() && Objects.equals(sample.bootId(), d.bootIdAfter()) ? nu : other;
                target.append('M').append(Svg.f(x(sample.answeredMs()))).append(' ')
                      .append(Svg.f(y(sample.latencyMs()))).append("h0");
            }
            // Zero-length round-capped subpaths draw as dots: thousands of samples stay a few short paths.
            for (String[] g : new String[][] {{OLD, old.toString()}, {NEW, nu.toString()}, {OTHER, other.toString()}}) {
                if (g[1].isEmpty()) continue;
                s.append("<path class=\"dots\" fill=\"none\" stroke=\"").append(g[0])
                 .append("\" stroke-width=\"3\" stroke-linecap=\"round\" d=\"").append(g[1]).append("\"/>\n");
            }
        }

        void failures(StringBuilder s) {
            StringBuilder ticks = new StringBuilder();
            for (ProbeSample sample : p.log().samples()) {
                if (sample.ok()) continue;
                ticks.append('M').append(Svg.f(x(sample.sentMs()))).append(' ').append(Svg.f(bandTop + 2))
                     .append('v').append(Svg.f(BAND_H - 4));
            }
            if (ticks.length() > 0) {
                s.append("<path class=\"failures\" stroke=\"").append(Svg.RED).append("\" stroke-width=\"1\" d=\"")
                 .append(ticks).append("\"/>\n");
            }
        }

        static String rect(double x, double y, double w, double h, String fill, double opacity, String cls) {
            return "<rect" + (cls == null ? "" : " class=\"" + cls + "\"") + " x=\"" + Svg.f(x) + "\" y=\"" + Svg.f(y)
                    + "\" width=\"" + Svg.f(Math.max(0, w)) + "\" height=\"" + Svg.f(h) + "\" fill=\"" + fill + "\""
                    + (opacity < 1 ? " fill-opacity=\"" + opacity + "\"" : "") + "/>\n";
        }

        static String line(double x1, double y1, double x2, double y2, String stroke, double width) {
            return "<line x1=\"" + Svg.f(x1) + "\" y1=\"" + Svg.f(y1) + "\" x2=\"" + Svg.f(x2) + "\" y2=\"" + Svg.f(y2)
                    + "\" stroke=\"" + stroke + "\" stroke-width=\"" + Svg.f(width) + "\"/>\n";
        }
    }
}
