package org.bgreboot.experiment.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.ProbeSample;
import org.bgreboot.render.Table;
import org.bgreboot.render.TimelinePanel;
import org.bgreboot.render.TimelineSvg;
import org.bgreboot.output.Figures;
import org.bgreboot.output.OutputJson;

/**
 * What pgbench saw of a {@link PostgresRun}: each reboot's commit gap and TPS, how many pgbench
 * processes it took (each reconnect is a new one), and what the table lacks of what was committed.
 */
public record PostgresOutcome(String vm, List<PostgresReboot> reboots, int commits, int pgbenchRuns, int lost,
                              List<String> lostSample, int extraRows, List<PgbenchWorkload.Commit> commitLog) {

    public Optional<PostgresReboot> normal() {
        return reboots.stream().filter(r -> !r.background()).findFirst();
    }

    public List<PostgresReboot> backgrounds() {
        return reboots.stream().filter(PostgresReboot::background).toList();
    }

    /** A background reboot's commit gap as a share of the normal one's; NaN without a baseline. */
    public double ofNormal(PostgresReboot r) {
        return normal().map(n -> r.commitGapMs() / n.commitGapMs()).orElse(Double.NaN);
    }

    public boolean nothingLost() {
        return lost == 0;
    }

    public String table() {
        Table t = Table.of("reboot", "commit gap", "of normal", "TPS before", "TPS during BG boot", "TPS after", "BG boot", "switch");
        for (PostgresReboot r : reboots) {
            t.row(r.method().label() + r.failure().map(f -> " (" + r.outcome().kind().key() + ")").orElse(""), ms(r.commitGapMs()),
                    r.background() ? String.format("%.1f %%", 100 * ofNormal(r)) : "", tps(r.tpsBefore()), tps(r.tpsDuringBgBoot()),
                    tps(r.tpsAfter()), ms(r.bgBootMs()), ms(r.switchMs()));
        }
        return t.toText()
                + String.format("%d transactions committed; %d pgbench processes started (a new one each time one lost its connections "
                        + "or could not connect); "
                        + "%d of them missing from the table%s; %d rows of transactions never acknowledged%n",
                        commits, pgbenchRuns, lost, lostSample.isEmpty() ? "" : " (" + String.join(", ", lostSample) + ")", extraRows);
    }

    /** Why this run is not a clean result: committed transactions missing, a reboot that did not do what its method promises. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (lost > 0) {
            p.add(lost + " committed transactions are missing from the table");
        }
        for (int i = 0; i < reboots.size(); i++) {
            PostgresReboot r = reboots.get(i);
            int n = i + 1;
            r.failure().ifPresent(f -> p.add("reboot " + n + " (" + r.method().label() + ") " + f));
        }
        return p;
    }

    /**
     * {@code bgreboot bench --guest debian-postgres --json} (docs/schema/bench.schema.json, the
     * PostgreSQL shape): what pgbench saw of each reboot, and what the table lacks.
     *
     * @param committedLost     transactions pgbench saw committed that the table lacks
     * @param unacknowledgedRows rows of transactions whose commit pgbench never saw acknowledged (not a loss)
     */
    public record Json(int schemaVersion, String guest, String vm, int commits, int pgbenchRuns, int committedLost, List<String> committedLostSample,
                       int unacknowledgedRows, Optional<Double> normalCommitGapMs, List<PostgresReboot.Json> reboots, List<String> problems) {}

    public Json json() {
        return new Json(OutputJson.SCHEMA_VERSION, PostgresBench.GUEST, vm, commits, pgbenchRuns, lost, lostSample, extraRows,
                normal().map(n -> Figures.ms(n.commitGapMs())), reboots.stream().map(r -> r.json(ofNormal(r))).toList(), problems());
    }

    /**
     * Every commit as a dot (its latency against when it completed), one panel per reboot on a
     * shared time axis: the normal reboot's hole beside the background ones'. A commit is "old"
     * before the reboot's longest gap and "new" after it, so the gap is the shaded downtime.
     */
    public String svg() {
        List<TimelinePanel> panels = new ArrayList<>();
        for (PostgresReboot r : reboots) {
            double gapEnd = gapEnd(r);
            List<ProbeSample> samples = commitLog.stream()
                    .filter(c -> c.atMs() >= r.startMs() - 2000 && c.atMs() <= r.endMs() + 2000)
                    .map(c -> new ProbeSample(c.atMs() - c.latencyMs(), c.atMs(), true, 200, null, null,
                            c.atMs() < gapEnd ? "before" : "after", null))
                    .toList();
            if (!samples.isEmpty()) {
                panels.add(TimelinePanel.of(r.method().label() + " reboot: pgbench commits (" + ms(r.commitGapMs()) + " without one)",
                        new ProbeLog(samples), r.startMs(), r.phases()));
            }
        }
        return panels.isEmpty() ? "" : TimelineSvg.render(panels);
    }

    /** When the reboot's longest gap between commits ended. */
    private double gapEnd(PostgresReboot r) {
        double best = 0, end = Double.POSITIVE_INFINITY;
        for (int i = 1; i < commitLog.size(); i++) {
            double a = commitLog.get(i - 1).atMs(), b = commitLog.get(i).atMs();
            if (a <= r.endMs() && b >= r.startMs() && b - a > best) {
                best = b - a;
                end = b;
            }
        }
        return end;
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : v >= 10_000 ? String.format("%.1f s", v / 1000) : String.format("%.0f ms", v);
    }

    private static String tps(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.0f", v);
    }
}
