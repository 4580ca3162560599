package org.bgreboot.experiment.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bgreboot.render.BarChartSvg;
import org.bgreboot.render.LineChartSvg;
import org.bgreboot.render.ScatterSvg;
import org.bgreboot.render.Series;
import org.bgreboot.render.TimelineSvg;
import org.bgreboot.spec.ByteSize;

/**
 * The bench's pictures, by file suffix: downtime by guest and method (bars, every guest and memory
 * size in one picture), downtime and switch time against memory (lines, for one guest; bars by
 * guest for several), probe timelines, FG's throughput against the clone's boot.
 */
public final class BenchCharts {
    private BenchCharts() {}

    public static Map<String, String> of(BenchResult r) {
        Map<String, String> svgs = new LinkedHashMap<>();
        List<String> groups = new ArrayList<>();
        r.plan().guests().forEach(g -> r.plan().memories().forEach(m -> groups.add(g + " " + m)));
        String accel = r.accel().accel().qemuName();
        boolean oneGuest = r.plan().guests().size() == 1;
        List<String> categories = r.plan().memories().stream().map(ByteSize::toString).toList();
        if (oneGuest) {
            String about = r.plan().guests().get(0) + " guest, " + accel + ", medians";
            List<Series> downtime = new ArrayList<>();
            for (BenchMethod m : r.plan().methods()) {
                downtime.add(series(r, m, m.label(), BenchCell::downtime));
            }
            svgs.put("-downtime.svg", LineChartSvg.render("Downtime against memory (" + about + ")", "memory", "downtime ms",
                    categories, downtime, true));
        }
        List<BarChartSvg.Bars> byGuest = new ArrayList<>();
        for (BenchMethod m : r.plan().methods()) {
            byGuest.add(bars(r, m, m.label(), BenchCell::downtime));
        }
        svgs.put("-downtime-by-guest.svg", BarChartSvg.render("Downtime by guest and method (" + accel + ")", "downtime ms", groups, byGuest));
        List<BenchMethod> switching = r.plan().methods().stream().filter(BenchMethod::background).toList();
        if (!switching.isEmpty()) {
            String name = "switch time";
            if (oneGuest) {
                String about = r.plan().guests().get(0) + " guest, " + accel + ", medians";
                List<Series> switches = switching.stream().map(m -> series(r, m, switchName(m), BenchCell::switchTime)).toList();
                svgs.put("-switch.svg", LineChartSvg.render("Switch time against memory (" + about + ")", "memory", "switch ms",
                        categories, switches, false));
            } else {
                List<BarChartSvg.Bars> switches = switching.stream().map(m -> bars(r, m, switchName(m), BenchCell::switchTime)).toList();
                svgs.put("-switch.svg", BarChartSvg.render("Switch time by guest (" + accel + ")", "switch ms", groups, switches));
            }
        }
        if (!r.timelines().isEmpty()) {
            svgs.put("-timelines.svg", TimelineSvg.render(r.timelines()));
        }
        r.interference().ifPresent(i -> svgs.put("-interference.svg", interference(i)));
        return svgs;
    }

    private static String switchName(BenchMethod m) {
        return m == BenchMethod.RESTORE ? "restore" : "handover";
    }

    /** FG's throughput (of no BG) against the clone's boot time, one point per share: the trade each makes. */
    static String interference(InterferenceResult i) {
        List<ScatterSvg.Point> points = new ArrayList<>();
        for (InterferenceCase.Kind k : InterferenceCase.Kind.values()) {
            if (k.share() != null) {
                points.add(new ScatterSvg.Point(k.share().label(), i.bootMs(k) / 1000, i.ratio(k)));
            }
        }
        return ScatterSvg.render("FG's throughput while the clone boots, against its boot time (" + i.vm() + ")",
                "clone's boot to ready, s (median)", "FG's requests/s, of no clone (median)", points);
    }

    /** One guest's medians over its memory sizes. */
    private static Series series(BenchResult r, BenchMethod m, String name, Function<BenchCell, BenchStat> figure) {
        String guest = r.plan().guests().get(0);
        List<Double> values = new ArrayList<>();
        for (ByteSize mem : r.plan().memories()) {
            values.add(r.cell(guest, (int) mem.mib(), m).map(c -> figure.apply(c).median()).orElse(Double.NaN));
        }
        return new Series(name, values);
    }

    /** Every guest at every memory size, in the plan's order: median and range. */
    private static BarChartSvg.Bars bars(BenchResult r, BenchMethod m, String name, Function<BenchCell, BenchStat> figure) {
        List<BarChartSvg.Bar> values = new ArrayList<>();
        for (String guest : r.plan().guests()) {
            for (ByteSize mem : r.plan().memories()) {
                BenchStat s = r.cell(guest, (int) mem.mib(), m).map(figure).orElse(BenchStat.of(List.of()));
                values.add(new BarChartSvg.Bar(s.median(), s.min(), s.max()));
            }
        }
        return new BarChartSvg.Bars(name, values);
    }
}
