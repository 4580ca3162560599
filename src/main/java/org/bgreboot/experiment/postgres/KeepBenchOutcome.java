package org.bgreboot.experiment.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.reboot.KeptService;
import org.bgreboot.render.Table;
import org.bgreboot.report.ResultJson;

/**
 * The keep-state bench: one pgbench workload through a normal reboot (the baseline), then background
 * reboots taking turns on the restart path and with PostgreSQL's state kept, each as what really
 * ran; and what the table lacks of everything pgbench saw committed.
 */
public record KeepBenchOutcome(String vm, String network, List<KeptReboot> reboots, int commits, int pgbenchRuns, int lost, List<String> lostSample) {

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
                "restore", "TPS before", "TPS after", "switch");
        int i = 0;
        for (KeptReboot r : reboots) {
            Optional<KeptService> k = r.kept();
            t.row(String.valueOf(++i), r.label(), ms(r.pg().commitGapMs()), r.pg().background() ? String.format("%.1f %%", 100 * ofNormal(r)) : "",
                    String.valueOf(r.connectionsBroken()),
                    k.filter(x -> !Double.isNaN(x.dumpMs())).map(x -> String.format("%s (%s), %.1f MB", ms(x.dumpMs()), ms(x.dumpFrozenMs()), x.dumpBytes() / 1e6))
                            .orElse("–"),
                    k.filter(x -> x.preDumps() > 0).map(x -> x.preDumps() + " × " + ms(x.preDumpFrozenMs() / x.preDumps())).orElse("–"),
                    k.map(x -> ms(x.restoreMs())).orElse("–"), tps(r.pg().tpsBefore()), tps(r.pg().tpsAfter()), ms(r.pg().switchMs()));
        }
        StringBuilder b = new StringBuilder(t.toText());
        for (KeptReboot r : reboots) {
            r.kept().filter(k -> k.fate() != KeptService.Fate.KEPT).ifPresent(k -> b.append("  ").append(r.label()).append(": ").append(k.describe()).append('\n'));
        }
        b.append(String.format("median commit gap: kept %s, restart path %s; %d transactions committed by %d pgbench processes "
                        + "(a new one only after a lost connection); %d of them missing from the table%s%n", ms(medianGapMs(true)), ms(medianGapMs(false)),
                commits, pgbenchRuns, lost, lostSample.isEmpty() ? "" : " (" + String.join(", ", lostSample) + ")"));
        return b.toString();
    }

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("vm", vm);
        j.put("network", network);
        j.put("commits", commits);
        j.put("pgbench_runs", pgbenchRuns);
        j.put("committed_lost", lost);
        j.put("committed_lost_sample", lostSample);
        j.put("normal_commit_gap_ms", normal().map(n -> ResultJson.num(n.pg().commitGapMs())).orElse(null));
        j.put("kept_median_commit_gap_ms", ResultJson.num(medianGapMs(true)));
        j.put("restart_median_commit_gap_ms", ResultJson.num(medianGapMs(false)));
        List<Map<String, Object>> list = new ArrayList<>();
        for (KeptReboot r : reboots) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("method", r.pg().method().label());
            o.put("what_ran", r.label());
            o.put("outcome", r.outcome());
            o.put("keep_state", r.keepAsked());
            o.put("fate", r.kept().map(k -> k.fate().key()).orElse(null));
            o.put("reason", r.kept().flatMap(KeptService::reason).orElse(null));
            o.put("commit_gap_ms", ResultJson.num(r.pg().commitGapMs()));
            o.put("of_normal_pct", r.pg().background() ? ResultJson.num(100 * ofNormal(r)) : null);
            o.put("connections_broken", r.connectionsBroken());
            o.put("pgbench_started", r.pgbenchStarted());
            o.put("connections_kept", r.kept().map(KeptService::connectionsKept).orElse(null));
            o.put("dump_bytes", r.kept().map(KeptService::dumpBytes).orElse(null));
            o.put("dump_ms", r.kept().map(k -> ResultJson.num(k.dumpMs())).orElse(null));
            o.put("dump_frozen_ms", r.kept().map(k -> ResultJson.num(k.dumpFrozenMs())).orElse(null));
            o.put("pre_dumps", r.kept().map(KeptService::preDumps).orElse(null));
            o.put("pre_dump_frozen_ms", r.kept().map(k -> ResultJson.num(k.preDumpFrozenMs())).orElse(null));
            o.put("pre_dump_bytes", r.kept().map(KeptService::preDumpBytes).orElse(null));
            o.put("restore_ms", r.kept().map(k -> ResultJson.num(k.restoreMs())).orElse(null));
            o.put("pid", r.kept().map(KeptService::pid).filter(p -> p > 0).orElse(null));
            o.put("tps_before", ResultJson.num(r.pg().tpsBefore()));
            o.put("tps_during_bg_boot", ResultJson.num(r.pg().tpsDuringBgBoot()));
            o.put("tps_after", ResultJson.num(r.pg().tpsAfter()));
            o.put("bg_boot_ms", ResultJson.num(r.pg().bgBootMs()));
            o.put("switch_ms", ResultJson.num(r.pg().switchMs()));
            o.put("kernel_after", r.kernelAfter());
            o.put("start_ms", ResultJson.num(r.pg().startMs()));
            o.put("end_ms", ResultJson.num(r.pg().endMs()));
            list.add(o);
        }
        j.put("reboots", list);
        return j;
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : v >= 10_000 ? String.format("%.1f s", v / 1000) : String.format("%.0f ms", v);
    }

    private static String tps(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.0f", v);
    }
}
