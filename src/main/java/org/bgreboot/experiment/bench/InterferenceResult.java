package org.bgreboot.experiment.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.render.Table;

import org.bgreboot.experiment.bench.BenchJson;
import org.bgreboot.experiment.bench.InterferenceCase;
/**
 * FG's throughput with no clone, with a clone booting at normal priority and at idle priority, all
 * in one run on one VM; the ratios to "no BG" are what compare (the machine is shared and noisy).
 */
public record InterferenceResult(String vm, int memoryMb, int connections, int windowSeconds, List<InterferenceCase> cases) {

    public InterferenceResult {
        cases = List.copyOf(cases);
    }

    /** Requests per second of one kind, pooled over its windows (no BG is measured before and after). */
    public double requestsPerSecond(InterferenceCase.Kind kind) {
        long ok = 0;
        double seconds = 0;
        for (InterferenceCase c : cases) {
            if (c.kind() == kind && c.failure().isEmpty() && c.seconds() > 0) {
                ok += c.ok();
                seconds += c.seconds();
            }
        }
        return seconds > 0 ? ok / seconds : Double.NaN;
    }

    public double ratio(InterferenceCase.Kind kind) {
        return requestsPerSecond(kind) / requestsPerSecond(InterferenceCase.Kind.NO_BG);
    }

    public Table table() {
        Table t = Table.of("FG throughput (" + connections + (connections == 1 ? " connection)" : " connections)"), "requests/s", "of no BG", "seconds measured",
                "failed requests", "clone's CPU policy");
        for (InterferenceCase.Kind k : InterferenceCase.Kind.values()) {
            double seconds = cases.stream().filter(c -> c.kind() == k).mapToDouble(InterferenceCase::seconds).sum();
            long failed = cases.stream().filter(c -> c.kind() == k).mapToLong(InterferenceCase::failures).sum();
            String policy = String.join(", ", cases.stream().filter(c -> c.kind() == k).flatMap(c -> c.bgPolicy().stream()).distinct().toList());
            t.row(k.label(), num(requestsPerSecond(k), "%.1f"), pct(ratio(k)), num(seconds, "%.1f"), String.valueOf(failed),
                    k == InterferenceCase.Kind.NO_BG ? "–" : policy.isEmpty() ? "?" : policy);
        }
        return t;
    }

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("vm", vm);
        j.put("memory_mb", memoryMb);
        j.put("connections", connections);
        j.put("window_s", windowSeconds);
        j.put("no_bg_rps", BenchJson.num(requestsPerSecond(InterferenceCase.Kind.NO_BG)));
        j.put("bg_normal_rps", BenchJson.num(requestsPerSecond(InterferenceCase.Kind.BG_NORMAL)));
        j.put("bg_idle_rps", BenchJson.num(requestsPerSecond(InterferenceCase.Kind.BG_IDLE)));
        j.put("idle_ratio", BenchJson.ratio(ratio(InterferenceCase.Kind.BG_IDLE)));
        j.put("normal_ratio", BenchJson.ratio(ratio(InterferenceCase.Kind.BG_NORMAL)));
        List<Map<String, Object>> raw = cases.stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("case", c.kind().name().toLowerCase());
            m.put("ok", c.ok());
            m.put("failed", c.failures());
            m.put("seconds", BenchJson.num(c.seconds()));
            m.put("rps", BenchJson.num(c.requestsPerSecond()));
            m.put("bg_policy", c.bgPolicy().orElse(null));
            m.put("failure", c.failure().orElse(null));
            return m;
        }).toList();
        j.put("windows", raw);
        return j;
    }

    /** What makes the comparison void: a case that failed or measured nothing. */
    public List<String> problems() {
        return cases.stream().filter(c -> c.failure().isPresent() || c.seconds() <= 0)
                .map(c -> "interference: " + c.kind().label() + ": " + c.failure().orElse("nothing measured")).toList();
    }

    private static String num(double v, String fmt) {
        return Double.isNaN(v) ? "–" : String.format(fmt, v);
    }

    private static String pct(double ratio) {
        return Double.isNaN(ratio) ? "–" : String.format("%.0f %%", 100 * ratio);
    }
}
