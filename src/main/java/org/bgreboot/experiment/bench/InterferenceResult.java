package org.bgreboot.experiment.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.measure.Stats;
import org.bgreboot.render.Table;

/**
 * FG's throughput with no clone, and with a clone booting at each share, every case repeated and
 * taking turns on one VM in one run. A case's figure is the median of its windows, with their
 * spread; the ratios to "no BG" are what compare (the machine is shared and noisy), and the no-BG
 * windows taken at different times must agree within that spread for any ratio to mean something.
 */
public record InterferenceResult(String vm, int memoryMb, int connections, int windowSeconds, List<InterferenceCase> cases) {

    public InterferenceResult {
        cases = List.copyOf(cases);
    }

    private List<InterferenceCase> measured(InterferenceCase.Kind kind) {
        return cases.stream().filter(c -> c.kind() == kind && c.failure().isEmpty() && c.seconds() > 0).toList();
    }

    /** The median of the case's windows, requests per second. */
    public double requestsPerSecond(InterferenceCase.Kind kind) {
        return Stats.median(measured(kind).stream().mapToDouble(InterferenceCase::requestsPerSecond).toArray());
    }

    public double min(InterferenceCase.Kind kind) {
        return measured(kind).stream().mapToDouble(InterferenceCase::requestsPerSecond).min().orElse(Double.NaN);
    }

    public double max(InterferenceCase.Kind kind) {
        return measured(kind).stream().mapToDouble(InterferenceCase::requestsPerSecond).max().orElse(Double.NaN);
    }

    public double ratio(InterferenceCase.Kind kind) {
        return requestsPerSecond(kind) / requestsPerSecond(InterferenceCase.Kind.NO_BG);
    }

    /** The clone's median boot to ready under the case's share, ms. */
    public double bootMs(InterferenceCase.Kind kind) {
        return Stats.median(measured(kind).stream().mapToDouble(InterferenceCase::bootMs).toArray());
    }

    /**
     * How far apart the no-BG windows are, as a fraction of their median: the noise every ratio
     * carries. The windows run at the start, between the cases and at the end.
     */
    public double noBgSpread() {
        double median = requestsPerSecond(InterferenceCase.Kind.NO_BG);
        return (max(InterferenceCase.Kind.NO_BG) - min(InterferenceCase.Kind.NO_BG)) / median;
    }

    public Table table() {
        Table t = Table.of("FG throughput (" + connections + (connections == 1 ? " connection)" : " connections)"), "requests/s (median)",
                "min–max", "of no BG", "windows", "clone's boot", "clone capped", "clone read from disk", "failed requests", "clone's CPU policy");
        for (InterferenceCase.Kind k : InterferenceCase.Kind.values()) {
            List<InterferenceCase> m = measured(k);
            long failed = cases.stream().filter(c -> c.kind() == k).mapToLong(InterferenceCase::failures).sum();
            String policy = String.join(", ", cases.stream().filter(c -> c.kind() == k).flatMap(c -> c.bgPolicy().stream()).distinct().toList());
            boolean bg = k != InterferenceCase.Kind.NO_BG;
            t.row(k.label(), num(requestsPerSecond(k), "%.1f"), num(min(k), "%.1f") + "–" + num(max(k), "%.1f"), pct(ratio(k)),
                    String.valueOf(m.size()), bg ? num(bootMs(k) / 1000, "%.1f s") : "–",
                    bg ? num(Stats.median(m.stream().mapToDouble(InterferenceCase::throttledMs).toArray()) / 1000, "%.1f s") : "–",
                    bg ? num(Stats.median(m.stream().mapToDouble(InterferenceCase::bgReadMiB).toArray()), "%.1f MiB") : "–",
                    String.valueOf(failed), bg ? (policy.isEmpty() ? "?" : policy) : "–");
        }
        return t;
    }

    /** One line saying whether the no-BG windows agree, to put under the table. */
    public String agreement() {
        double spread = noBgSpread();
        double worstGap = 1 - Math.min(ratio(InterferenceCase.Kind.BG_ADAPTIVE), ratio(InterferenceCase.Kind.BG_IDLE));
        return String.format("no-BG windows %s–%s requests/s: they differ by %.0f %% of their median%s", num(min(InterferenceCase.Kind.NO_BG), "%.1f"),
                num(max(InterferenceCase.Kind.NO_BG), "%.1f"), 100 * spread,
                Double.isNaN(spread) ? "" : spread <= Math.max(worstGap, 0.05) ? " (within the effects measured)" : " (more than the effects measured: noise decides them)");
    }

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("vm", vm);
        j.put("memory_mb", memoryMb);
        j.put("connections", connections);
        j.put("window_s", windowSeconds);
        j.put("no_bg_rps", BenchJson.num(requestsPerSecond(InterferenceCase.Kind.NO_BG)));
        j.put("bg_idle_rps", BenchJson.num(requestsPerSecond(InterferenceCase.Kind.BG_IDLE)));
        j.put("bg_adaptive_rps", BenchJson.num(requestsPerSecond(InterferenceCase.Kind.BG_ADAPTIVE)));
        j.put("bg_normal_rps", BenchJson.num(requestsPerSecond(InterferenceCase.Kind.BG_NORMAL)));
        j.put("idle_ratio", BenchJson.ratio(ratio(InterferenceCase.Kind.BG_IDLE)));
        j.put("adaptive_ratio", BenchJson.ratio(ratio(InterferenceCase.Kind.BG_ADAPTIVE)));
        j.put("normal_ratio", BenchJson.ratio(ratio(InterferenceCase.Kind.BG_NORMAL)));
        j.put("no_bg_spread", BenchJson.ratio(noBgSpread()));
        Map<String, Object> boot = new LinkedHashMap<>();
        for (InterferenceCase.Kind k : InterferenceCase.Kind.values()) {
            if (k.share() != null) {
                boot.put(k.share().label(), BenchJson.num(bootMs(k)));
            }
        }
        j.put("bg_boot_ms", boot);
        j.put("adaptive_boot_over_normal", BenchJson.ratio(bootMs(InterferenceCase.Kind.BG_ADAPTIVE) / bootMs(InterferenceCase.Kind.BG_NORMAL)));
        List<Map<String, Object>> raw = new ArrayList<>();
        for (InterferenceCase c : cases) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("case", c.kind().name().toLowerCase());
            m.put("ok", c.ok());
            m.put("failed", c.failures());
            m.put("seconds", BenchJson.num(c.seconds()));
            m.put("rps", BenchJson.num(c.requestsPerSecond()));
            m.put("bg_boot_ms", BenchJson.num(c.bootMs()));
            m.put("bg_throttled_ms", BenchJson.num(c.throttledMs()));
            m.put("bg_read_mib", BenchJson.num(c.bgReadMiB()));
            m.put("bg_policy", c.bgPolicy().orElse(null));
            m.put("failure", c.failure().orElse(null));
            raw.add(m);
        }
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
