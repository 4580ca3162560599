package org.bgreboot.experiment.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.output.Figures;
import org.bgreboot.reboot.BgShare;
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
                    bg ? num(Stats.median(m.stream().mapToDouble(InterferenceCase::cappedMs).toArray()) / 1000, "%.1f s") : "–",
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

    /**
     * The interference figures in the bench's JSON: medians of requests per second by case, their
     * ratios to no clone, the clone's boot per share, and every window's raw figures.
     *
     * @param noBgSpread how far apart the no-BG windows are, as a share of their median: the noise every ratio carries
     * @param bgBootMs   the clone's median boot to ready, per share asked
     */
    public record Json(String vm, int memoryMb, int connections, int windowS, double noBgRps, double bgIdleRps, double bgAdaptiveRps,
                       double bgNormalRps, double idleRatio, double adaptiveRatio, double normalRatio, double noBgSpread, Map<BgShare, Double> bgBootMs,
                       double adaptiveBootOverNormal, List<Window> windows) {}

    /**
     * One throughput window.
     *
     * @param ok               requests answered
     * @param failed           requests refused or timed out
     * @param bgCappedMs       how long the host held the clone back, by the cgroup's counters
     * @param bgShareEffective the share the clone really had
     */
    public record Window(@JsonProperty("case") InterferenceCase.Kind kind, long ok, long failed, double seconds, double rps, double bgBootMs,
                         double bgCappedMs, @JsonProperty("bg_read_mib") double bgReadMiB, Optional<String> bgPolicy,
                         Optional<BgShare> bgShareEffective, Optional<String> failure) {

        static Window of(InterferenceCase c) {
            return new Window(c.kind(), c.ok(), c.failures(), Figures.ms(c.seconds()), Figures.ms(c.requestsPerSecond()), Figures.ms(c.bootMs()),
                    Figures.ms(c.cappedMs()), Figures.ms(c.bgReadMiB()), c.bgPolicy(), c.bgShareEffective(), c.failure());
        }
    }

    public Json json() {
        Map<BgShare, Double> boot = new EnumMap<>(BgShare.class);
        for (InterferenceCase.Kind k : InterferenceCase.Kind.values()) {
            if (k.share() != null) {
                boot.put(k.share(), Figures.ms(bootMs(k)));
            }
        }
        return new Json(vm, memoryMb, connections, windowSeconds, Figures.ms(requestsPerSecond(InterferenceCase.Kind.NO_BG)),
                Figures.ms(requestsPerSecond(InterferenceCase.Kind.BG_IDLE)), Figures.ms(requestsPerSecond(InterferenceCase.Kind.BG_ADAPTIVE)),
                Figures.ms(requestsPerSecond(InterferenceCase.Kind.BG_NORMAL)), Figures.ratio(ratio(InterferenceCase.Kind.BG_IDLE)),
                Figures.ratio(ratio(InterferenceCase.Kind.BG_ADAPTIVE)), Figures.ratio(ratio(InterferenceCase.Kind.BG_NORMAL)),
                Figures.ratio(noBgSpread()), boot, Figures.ratio(bootMs(InterferenceCase.Kind.BG_ADAPTIVE) / bootMs(InterferenceCase.Kind.BG_NORMAL)),
                cases.stream().map(Window::of).toList());
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
