package org.bgreboot.fleet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Span;
import org.bgreboot.render.Table;
import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.report.ResultJson;

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

    /** The figures of a measured reboot (the flow's and the clients'). */
    static Map<String, Object> figures(RebootMeasurement m) {
        Map<String, Object> f = figures(m.reboot());
        Map<String, Object> j = ResultJson.of(m);
        for (String k : List.of("downtime_ms", "time_to_new_os_ms", "acked_writes", "acked_writes_lost", "version_before", "version_after",
                "kernel_before", "kernel_after")) {
            f.put(k, j.get(k));
        }
        if (!Double.isNaN(m.downtime().lastOldMs()) && !Double.isNaN(m.downtime().firstNewMs())) {
            f.put("down_from_ms", ResultJson.num(m.downtime().lastOldMs()));
            f.put("down_to_ms", ResultJson.num(m.downtime().firstNewMs()));
        }
        return f;
    }

    /** The flow's own figures. */
    static Map<String, Object> figures(RebootResult r) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fg_pause_ms", ResultJson.num(r.fgPauseMs()));
        f.put("bg_ready_ms", ResultJson.num(r.bgReadyMs()));
        f.put("switch_ms", ResultJson.num(r.switchMs()));
        f.put("generation", r.generation());
        f.put("reboot_started_ms", ResultJson.num(r.startMs()));
        f.put("reboot_ended_ms", ResultJson.num(r.endMs()));
        f.put("clone_started_ms", ResultJson.num(r.bgLaunchedAtMs()));
        f.put("clone_ready_ms", ResultJson.num(r.bgReadyAtMs()));
        Span.Interval sw = r.spans().get(Span.SWITCH);
        f.put("switch_ended_ms", sw == null ? null : ResultJson.num(sw.endMs()));
        f.put("outcome", r.outcome().kind().key());
        r.failure().ifPresent(a -> f.put("abort_reason", a));
        return f;
    }

    private static double num(VmProgress p, String key) {
        Object v = p.result().get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    public double maxDowntimeMs() {
        return vms.stream().mapToDouble(p -> num(p, "downtime_ms")).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }

    /** The most VMs whose clients saw no answer at the same time. */
    public int maxDownAtOnce() {
        return maxOverlap(vms, "down_from_ms", "down_to_ms");
    }

    /** Per host, the most clones that ran at the same time (launched, not yet switched or discarded). */
    public Map<String, Integer> maxClonesPerHost() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String h : plan.hosts()) {
            m.put(h, maxOverlap(vms.stream().filter(p -> p.host().equals(h)).toList(), "clone_started_ms", "clone_ended_ms"));
        }
        return m;
    }

    /** What the reboots took one after the other: the roll's wall time is below it when hosts worked in parallel. */
    public double sumOfRebootsMs() {
        return vms.stream().mapToDouble(p -> num(p, "reboot_ended_ms") - num(p, "reboot_started_ms")).filter(d -> !Double.isNaN(d)).sum();
    }

    private static int maxOverlap(List<VmProgress> vms, String fromKey, String toKey) {
        List<double[]> edges = new ArrayList<>();
        for (VmProgress p : vms) {
            double from = num(p, fromKey);
            double to = toKey.equals("clone_ended_ms") ? cloneEnd(p) : num(p, toKey);
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

    /** A clone runs from its launch until its switch ended, or until its reboot ended when it was discarded. */
    private static double cloneEnd(VmProgress p) {
        double sw = num(p, "switch_ended_ms");
        return Double.isNaN(sw) ? num(p, "reboot_ended_ms") : sw;
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
            t.row(p.vm(), FleetBoard.shortHost(p.host()), p.state().name().toLowerCase(), ms(p, "fg_pause_ms"), ms(p, "bg_ready_ms"), ms(p, "switch_ms"),
                    ms(p, "downtime_ms"), p.result().containsKey("acked_writes_lost") ? p.result().get("acked_writes_lost") + " of "
                            + p.result().get("acked_writes") : "–");
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

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("roll", plan.id());
        j.put("journal", journal.toString());
        j.put("wall_ms", ResultJson.num(wallMs));
        List<Map<String, Object>> hs = new ArrayList<>();
        for (HostState h : hosts) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("uri", h.uri());
            m.put("reachable", h.reachable());
            m.put("vms", h.vms());
            m.put("max_clones_at_once", maxClonesPerHost().get(h.uri()));
            hs.add(m);
        }
        j.put("hosts", hs);
        List<Map<String, Object>> vs = new ArrayList<>();
        for (VmProgress p : vms) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vm", p.vm());
            m.put("host", p.host());
            m.put("result", p.state().name().toLowerCase());
            m.put("detail", p.detail().isEmpty() ? null : p.detail());
            for (String k : List.of("fg_pause_ms", "bg_ready_ms", "switch_ms", "downtime_ms", "time_to_new_os_ms", "acked_writes", "acked_writes_lost",
                    "version_before", "version_after", "kernel_after", "clone_started_ms", "clone_ready_ms", "switch_ended_ms", "reboot_started_ms",
                    "reboot_ended_ms", "down_from_ms", "down_to_ms", "generation")) {
                m.put(k, p.result().get(k));
            }
            vs.add(m);
        }
        j.put("vms", vs);
        j.put("parallel", plan.parallel());
        j.put("max_unavailable", plan.maxUnavailable());
        j.put("on_failure", plan.onFailure().name().toLowerCase());
        j.put("max_downtime_ms", ResultJson.num(maxDowntimeMs()));
        j.put("max_down_at_once", maxDownAtOnce());
        j.put("sum_of_reboots_ms", ResultJson.num(sumOfRebootsMs()));
        j.put("problems", problems());
        return j;
    }

    private static String ms(VmProgress p, String key) {
        return fmt(num(p, key));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : v >= 10_000 ? String.format("%.1f s", v / 1000) : String.format("%.0f ms", v);
    }
}
