package org.bgreboot.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.output.Figures;
import org.bgreboot.output.OutputJson;
import org.bgreboot.output.RebootJson;
import org.bgreboot.render.PhaseMark;
import org.bgreboot.render.Table;
import org.bgreboot.render.TimelinePanel;
import org.bgreboot.render.TimelineSvg;
import org.bgreboot.reboot.Method;

import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.report.RebootPhases;
/** The demo's figures: a side-by-side table, JSON, a probe-timeline SVG, and what went wrong. */
public record DemoReport(String vm, String engine, String network, String accel, List<RebootMeasurement> runs, List<String> leftovers) implements ExperimentReport {

    public Optional<RebootMeasurement> run(Method m) {
        return runs.stream().filter(r -> r.reboot().method() == m).findFirst();
    }

    /** Background downtime as a fraction of normal downtime, NaN if either is missing. */
    public double downtimeRatio() {
        var bg = run(Method.BACKGROUND);
        var normal = run(Method.NORMAL);
        if (bg.isEmpty() || normal.isEmpty() || normal.get().downtime().downtimeMs() <= 0) {
            return Double.NaN;
        }
        return bg.get().downtime().downtimeMs() / normal.get().downtime().downtimeMs();
    }

    /** Why the demo failed: the new version not serving, a lost write, FG stopped early, leftovers. */
    @Override public List<String> problems() {
        List<String> p = new ArrayList<>();
        for (RebootMeasurement r : runs) {
            String m = r.reboot().method().label();
            if (r.reboot().failure().isPresent()) {
                p.add(m + " reboot " + r.reboot().failure().get());
            } else if (!r.downtime().newBootSeen()) {
                p.add(m + " reboot: the new OS never answered the prober");
            } else if (r.downtime().versionAfter() == null || r.downtime().versionAfter().equals(r.downtime().versionBefore())) {
                p.add(m + " reboot: the service still reports " + r.downtime().versionBefore());
            }
            if (!r.noAckedWriteLost()) {
                p.add(m + " reboot lost " + r.ledger().missingAcked().size() + " acknowledged writes: " + r.ledger().missingAcked());
            }
            if (!r.reboot().fgStoppedAfterReady()) {
                p.add(m + " reboot stopped FG before the clone was ready");
            }
        }
        leftovers.forEach(l -> p.add("left behind: " + l));
        return p;
    }

    @Override public String table() {
        Table t = Table.of("", "normal reboot", "background reboot");
        row(t, "FG pause (clone)", r -> ms(r.reboot().fgPauseMs()));
        row(t, "BG boot to ready", r -> r.reboot().method() == Method.BACKGROUND ? ms(r.reboot().bgReadyMs()) : "–");
        row(t, "switch", r -> ms(r.reboot().switchMs()));
        row(t, "downtime seen by prober", r -> ms(r.downtime().downtimeMs()));
        row(t, "time until new OS answers", r -> ms(r.downtime().timeToNewOsMs()));
        row(t, "link up to first answer", r -> r.reboot().method() == Method.BACKGROUND ? ms(r.linkUpToFirstAnswerMs()) : "–");
        row(t, "longest time without a write", r -> ms(r.writes().maxAckGapMs()));
        row(t, "writes acknowledged", r -> String.valueOf(r.ledger().ackedCount()));
        row(t, "  of which during BG boot", r -> r.reboot().method() == Method.BACKGROUND ? String.valueOf(r.writesDuringBgBoot()) : "–");
        row(t, "acknowledged writes lost", r -> String.valueOf(r.ledger().missingAcked().size()));
        row(t, "version before → after", r -> r.downtime().versionBefore() + " → " + r.downtime().versionAfter());
        row(t, "kernel before → after", r -> r.downtime().kernelBefore() + " → " + r.downtime().kernelAfter());
        String ratio = Double.isNaN(downtimeRatio()) ? "" : String.format("%nbackground-reboot downtime = %.1f %% of normal-reboot downtime%n", 100 * downtimeRatio());
        ratio += "engine: " + engine + "; network: " + network + "; accelerator: " + accel + "\n";
        return t.toText() + ratio;
    }

    private void row(Table t, String label, java.util.function.Function<RebootMeasurement, String> cell) {
        t.row(label, run(Method.NORMAL).map(cell).orElse("–"), run(Method.BACKGROUND).map(cell).orElse("–"));
    }

    public static String ms(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return v >= 10_000 ? String.format("%.1f s", v / 1000) : String.format("%.0f ms", v);
    }

    /**
     * {@code demo --json}: both reboots, measured (docs/schema/demo.schema.json).
     *
     * @param downtimeRatio the background reboot's downtime over the normal one's
     */
    public record Json(int schemaVersion, String vm, String engine, String network, String accel, List<RebootJson> reboots, double downtimeRatio,
                       List<String> leftovers, List<String> problems) {}

    @Override public Json json() {
        return json(problems());
    }

    /** The JSON with the problems its reader judges it by (the demo's own, or a demo's that adds to them). */
    Json json(List<String> problems) {
        return new Json(OutputJson.SCHEMA_VERSION, vm, engine, network, accel, runs.stream().map(RebootJson::of).toList(),
                Figures.ratio(downtimeRatio()), leftovers, problems);
    }

    @Override public String svg() {
        List<TimelinePanel> panels = new ArrayList<>();
        for (RebootMeasurement r : runs) {
            List<PhaseMark> phases = RebootPhases.of(r.reboot());
            panels.add(TimelinePanel.of(r.reboot().method().label() + " reboot", r.probes(), r.reboot().startMs(), phases));
        }
        return TimelineSvg.render(panels);
    }
}
