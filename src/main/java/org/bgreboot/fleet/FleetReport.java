package org.bgreboot.fleet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.bgreboot.render.Table;

/**
 * A roll's report: per VM its host, result and figures (times in ms on the roll's clock, from its
 * start), and in total the roll's wall time, the longest downtime, how many VMs were down at once
 * at most and how many clones ran on one host at once at most (from each VM's clone-start to
 * switch-end interval).
 */
public record FleetReport(FleetPlan plan, List<VmProgress> vms, List<HostState> hosts, double wallMs, Path journal) {

    /** A host of the roll: whether it still answered at the end, and how many of the roll's VMs it has. */
    public record HostState(String uri, boolean reachable, int vms) {}

    static FleetReport of(FleetPlan plan, List<VmProgress> vms, FleetHosts hosts, double wallMs, Path journal) {
        List<HostState> hs = plan.hosts().stream().map(h -> new HostState(h, !hosts.isDown(h) && hosts.reachable(h), plan.on(h).size())).toList();
        return new FleetReport(plan, vms, hs, wallMs, journal);
    }

    private static double num(VmProgress p, ToDoubleFunction<VmFigures> figure) {
        return p.figures().map(figure::applyAsDouble).orElse(Double.NaN);
    }

    public double maxDowntimeMs() {
        return vms.stream().mapToDouble(p -> num(p, VmFigures::downtimeMs)).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }

    /** The most VMs whose clients saw no answer at the same time. */
    public int maxDownAtOnce() {
        return maxOverlap(vms, f -> f.clients().map(VmFigures.Clients::downFromMs).orElse(Double.NaN),
                f -> f.clients().map(VmFigures.Clients::downToMs).orElse(Double.NaN));
    }

    /** Per host, the most clones that ran at the same time (launched, not yet switched or discarded). */
    public Map<String, Integer> maxClonesPerHost() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String h : plan.hosts()) {
            m.put(h, maxOverlap(vms.stream().filter(p -> p.host().equals(h)).toList(), VmFigures::cloneStartedMs, VmFigures::cloneEndedMs));
        }
        return m;
    }

    /** What the reboots took one after the other: the roll's wall time is below it when hosts worked in parallel. */
    public double sumOfRebootsMs() {
        return vms.stream().mapToDouble(p -> num(p, f -> f.rebootEndedMs() - f.rebootStartedMs())).filter(d -> !Double.isNaN(d)).sum();
    }

    private static int maxOverlap(List<VmProgress> vms, ToDoubleFunction<VmFigures> fromFigure, ToDoubleFunction<VmFigures> toFigure) {
        List<double[]> edges = new ArrayList<>();
        for (VmProgress p : vms) {
            double from = num(p, fromFigure);
            double to = num(p, toFigure);
            if (!Double.isNaN(from) && !Double.isNaN(to)) {
                edges.add(new double[] {from, 1});
                edges.add(new double[] {to, -1});
            }
        }
        edges.sort(Comparator.<double[]>comparingDouble(e -> e[0]).thenComparingDouble(e -> e[1]));
        int now = 0;
        int max = 0;
        for (double[] e : edges) {
            now += (int) e[1];
            max = Math.max(max, now);
        }
        return max;
    }

    /** Why the roll is not a success: VMs that did not end serving the update. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        for (VmProgress p : vms) {
            if (p.state() != VmProgress.State.SWITCHED) {
                out.add(p.vm() + " on " + FleetBoard.shortHost(p.host()) + ": " + p.state().name().toLowerCase() + (p.detail().isEmpty() ? "" : ": " + p.detail()));
            }
        }
        hosts.stream().filter(h -> !h.reachable()).forEach(h -> out.add("host " + h.uri() + " does not answer"));
        return out;
    }

    public String table() {
        Table t = Table.of("VM", "host", "result", "FG pause", "BG boot", "switch", "downtime", "writes lost");
        for (VmProgress p : vms) {
            Optional<VmFigures.Clients> seen = p.figures().flatMap(VmFigures::clients);
            t.row(p.vm(), FleetBoard.shortHost(p.host()), p.state().name().toLowerCase(), ms(p, VmFigures::fgPauseMs), ms(p, VmFigures::bgReadyMs),
                    ms(p, VmFigures::switchMs), ms(p, VmFigures::downtimeMs),
                    seen.map(c -> c.ackedWritesLost() + " of " + c.ackedWrites()).orElse("–"));
        }
        StringBuilder b = new StringBuilder(t.toText());
        b.append(String.format("wall time %s (the reboots one after the other: %s); longest downtime %s; at most %d VM%s down at once; "
                        + "at most %s clone(s) at once per host (--parallel %d)%n", fmt(wallMs), fmt(sumOfRebootsMs()), fmt(maxDowntimeMs()),
                maxDownAtOnce(), maxDownAtOnce() == 1 ? "" : "s", maxClonesPerHost().values(), plan.parallel()));
        for (VmProgress p : vms) {
            if (p.state() != VmProgress.State.SWITCHED && !p.detail().isEmpty()) {
                b.append(p.vm()).append(": ").append(p.detail()).append("\n");
            }
        }
        hosts.stream().filter(h -> !h.reachable()).forEach(h -> b.append("host ").append(h.uri()).append(" does not answer\n"));
        b.append("journal: ").append(journal).append("\n");
        return b.toString();
    }

    /** The report as JSON, with the problems its reader judges it by (the roll's own, or a demo's that adds to them). */
    public FleetJson json(List<String> problems) {
        return FleetJson.of(this, problems);
    }

    private static String ms(VmProgress p, ToDoubleFunction<VmFigures> figure) {
        return fmt(num(p, figure));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : v >= 10_000 ? String.format("%.1f s", v / 1000) : String.format("%.0f ms", v);
    }
}
