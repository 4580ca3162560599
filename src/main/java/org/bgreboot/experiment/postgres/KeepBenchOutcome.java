package org.bgreboot.experiment.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.reboot.KeptService;
import org.bgreboot.render.Table;
import org.bgreboot.output.Figures;
import org.bgreboot.output.OutputJson;

/**
 * The keep-state bench: one pgbench workload through a normal reboot (the baseline), then background
 * reboots taking turns on the restart path and with PostgreSQL's state kept, each as what really
 * ran; and what the table lacks of everything pgbench saw committed.
 */
public record KeepBenchOutcome(String vm, String network, List<KeptReboot> reboots, int commits, int pgbenchRuns, int lost, List<String> lostSample,
                               int extraRows) {

    public Optional<KeptReboot> normal() {
        return reboots.stream().filter(r -> !r.pg().background()).findFirst();
    }

    public boolean nothingLost() {
        return lost == 0;
    }

    /** A reboot's commit gap as a share of the normal one's. */
    public double ofNormal(KeptReboot r) {
        return normal().map(n -> r.pg().commitGapMs() / n.pg().commitGapMs()).orElse(Double.NaN);
    }

    /** The median commit gap of the background reboots that kept state (true) or took the restart path (false). */
    public double medianGapMs(boolean kept) {
        List<Double> g = reboots.stream().filter(r -> r.pg().background() && r.isKept() == kept).map(r -> r.pg().commitGapMs()).sorted().toList();
        if (g.isEmpty()) {
            return Double.NaN;
        }
        return g.size() % 2 == 1 ? g.get(g.size() / 2) : (g.get(g.size() / 2 - 1) + g.get(g.size() / 2)) / 2;
    }

    public String table() {
        Table t = Table.of("#", "what ran", "commit gap", "of normal", "connections broken", "final dump (frozen), size", "pre-dumps frozen",
                "restore", "held", "TPS before", "TPS after", "switch");
        int i = 0;
        for (KeptReboot r : reboots) {
            Optional<KeptService> k = r.kept();
            t.row(String.valueOf(++i), r.label(), ms(r.pg().commitGapMs()), r.pg().background() ? String.format("%.1f %%", 100 * ofNormal(r)) : "",
                    String.valueOf(r.connectionsBroken()),
                    k.filter(x -> !Double.isNaN(x.dumpMs())).map(x -> String.format("%s (%s), %.1f MB", ms(x.dumpMs()), ms(x.dumpFrozenMs()), x.dumpBytes() / 1e6))
                            .orElse("–"),
                    k.filter(x -> x.preDumps() > 0).map(x -> x.preDumps() + " × " + ms(x.preDumpFrozenMs() / x.preDumps())).orElse("–"),
                    k.map(x -> ms(x.restoreMs())).orElse("–"), k.filter(x -> x.fate() == KeptService.Fate.KEPT).map(KeepBenchOutcome::held).orElse("–"),
                    tps(r.pg().tpsBefore()), tps(r.pg().tpsAfter()), ms(r.pg().switchMs()));
        }
        StringBuilder b = new StringBuilder(t.toText());
        for (KeptReboot r : reboots) {
            r.kept().filter(k -> k.fate() != KeptService.Fate.KEPT).ifPresent(k -> b.append("  ").append(r.label()).append(": ").append(k.describe()).append('\n'));
        }
        b.append(String.format("median commit gap: kept %s, restart path %s; %d transactions committed; %d pgbench processes started "
                        + "(a new one each time one lost its connections or could not connect); %d of those transactions missing from the table%s%n",
                ms(medianGapMs(true)), ms(medianGapMs(false)), commits, pgbenchRuns, lost,
                lostSample.isEmpty() ? "" : " (" + String.join(", ", lostSample) + ")"));
        return b.toString();
    }

    /** Why this run is no clean result: committed transactions missing, a reboot that did not do what it asked (a keep that fell back included). */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (lost > 0) {
            p.add(lost + " committed transactions are missing from the table");
        }
        for (int i = 0; i < reboots.size(); i++) {
            KeptReboot r = reboots.get(i);
            int n = i + 1;
            r.pg().failure().ifPresent(f -> p.add("reboot " + n + " (" + r.label() + ") " + f));
            if (r.keepAsked() && !r.isKept() && r.pg().failure().isEmpty()) {
                p.add("reboot " + n + " asked to keep PostgreSQL's state and ran as " + r.label()
                        + r.kept().flatMap(KeptService::reason).map(w -> ": " + w).orElse(""));
            }
        }
        return p;
    }

    /**
     * {@code bgreboot bench --guest debian-postgres --keep-state --json} (docs/schema/bench.schema.json,
     * the keep-state shape).
     *
     * @param committedLost      transactions pgbench saw committed that the table lacks
     * @param unacknowledgedRows rows of transactions whose commit pgbench never saw acknowledged (not a loss)
     * @param network            the bridge the VM ran on (connections can survive only there)
     */
    public record Json(int schemaVersion, String guest, boolean keepState, String vm, String network, int commits, int pgbenchRuns,
                       int committedLost, List<String> committedLostSample, int unacknowledgedRows, Optional<Double> normalCommitGapMs,
                       double keptMedianCommitGapMs, double restartMedianCommitGapMs, List<KeptReboot.Json> reboots, List<String> problems) {}

    public Json json() {
        return new Json(OutputJson.SCHEMA_VERSION, PostgresBench.GUEST, true, vm, network, commits, pgbenchRuns, lost, lostSample, extraRows,
                normal().map(n -> Figures.ms(n.pg().commitGapMs())), Figures.ms(medianGapMs(true)), Figures.ms(medianGapMs(false)),
                reboots.stream().map(r -> r.json(ofNormal(r))).toList(), problems());
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : v >= 10_000 ? String.format("%.1f s", v / 1000) : String.format("%.0f ms", v);
    }

    /** The clients' segments the new VM held until the restore, or that it dropped them. */
    private static String held(KeptService k) {
        return k.heldSegments().isPresent() ? String.valueOf(k.heldSegments().getAsInt()) : "dropped";
    }

    private static String tps(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.0f", v);
    }
}
