package org.bgreboot.experiment.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bgreboot.render.LineChartSvg;
import org.bgreboot.render.ScatterSvg;
import org.bgreboot.render.Series;
import org.bgreboot.render.TimelineSvg;
import org.bgreboot.spec.ByteSize;

import org.bgreboot.experiment.bench.BenchCell;
/** The bench's pictures, by file suffix: downtime and switch time against memory, probe timelines. */
public final class BenchCharts {
    private BenchCharts() {}

    public static Map<String, String> of(BenchResult r) {
        Map<String, String> svgs = new LinkedHashMap<>();
        List<String> categories = r.plan().memories().stream().map(ByteSize::toString).toList();
        String about = r.plan().guest() + " guest, " + r.accel().accel().qemuName() + ", medians";
        List<Series> downtime = new ArrayList<>();
        for (BenchMethod m : r.plan().methods()) {
            downtime.add(series(r, m, m.label(), BenchCell::downtime));
        }
        svgs.put("-downtime.svg", LineChartSvg.render("Downtime against memory (" + about + ")", "memory", "downtime ms",
                categories, downtime, true));
        List<Series> switches = new ArrayList<>();
        if (r.plan().methods().contains(BenchMethod.BACKGROUND)) {
            switches.add(series(r, BenchMethod.BACKGROUND, "handover", BenchCell::switchTime));
        }
        if (r.plan().methods().contains(BenchMethod.RESTORE)) {
            switches.add(series(r, BenchMethod.RESTORE, "restore", BenchCell::switchTime));
        }
        if (!switches.isEmpty()) {
            svgs.put("-switch.svg", LineChartSvg.render("Switch time against memory (" + about + ")", "memory", "switch ms",
                    categories, switches, false));
        }
        if (!r.timelines().isEmpty()) {
            svgs.put("-timelines.svg", TimelineSvg.render(r.timelines()));
        }
        r.interference().ifPresent(i -> svgs.put("-interference.svg", interference(i)));
        return svgs;
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

    private static Series series(BenchResult r, BenchMethod m, String name, Function<BenchCell, BenchStat> figure) {
        List<Double> values = new ArrayList<>();
        for (ByteSize mem : r.plan().memories()) {
            values.add(r.cell((int) mem.mib(), m).map(c -> figure.apply(c).median()).orElse(Double.NaN));
        }
        return new Series(name, values);
    }
}
