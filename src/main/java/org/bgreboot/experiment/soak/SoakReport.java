package org.bgreboot.experiment.soak;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.measure.Stats;
import org.bgreboot.render.Table;

import org.bgreboot.report.ResultJson;
import org.bgreboot.experiment.DemoReport;
import org.bgreboot.experiment.soak.SoakReboot;
/**
 * A soak's figures: per reboot and in sum, what leaked, and the problems that make it fail — an
 * acknowledged write lost, a backing chain deeper than {@link #MAX_CHAIN_DEPTH}, a reboot that
 * aborted or failed, more or fewer than one QEMU process after a reboot, leftovers (processes,
 * runtime directories, sockets, disk files), or this JVM holding more file descriptors, threads or
 * heap at the end than at the start (beyond a small slack for what the JVM opens lazily). The host's
 * available memory is reported, not judged: other programs share this host.
 */
public record SoakReport(String vm, String accel, int requested, List<SoakReboot> reboots, int ackedWrites,
                         List<Long> lostWrites, int writeFailures, Optional<String> failure, SoakSample start,
                         SoakSample end, List<String> leftoversAfterStop) {
    public static final int MAX_CHAIN_DEPTH = 3;
    static final int FD_SLACK = 4;
    static final int THREAD_SLACK = 4;
    static final double HEAP_SLACK_MIB = 16;

    public SoakReport {
        reboots = List.copyOf(reboots);
        lostWrites = List.copyOf(lostWrites);
        leftoversAfterStop = List.copyOf(leftoversAfterStop);
    }

    public int maxChainDepth() {
        return reboots.stream().mapToInt(SoakReboot::chainDepth).max().orElse(0);
    }

    public double[] downtimes() {
        return reboots.stream().mapToDouble(SoakReboot::downtimeMs).filter(d -> !Double.isNaN(d)).toArray();
    }

    public double downtimeMin() {
        return Stats.percentile(downtimes(), 0);
    }

    public double downtimeMedian() {
        return Stats.median(downtimes());
    }

    public double downtimeMax() {
        return Stats.percentile(downtimes(), 100);
    }

    public long aborted() {
        return reboots.stream().filter(SoakReboot::aborted).count();
    }

    /** Least-squares slope of the host's available memory over the reboots, MiB per reboot (NaN for fewer than 2). */
    public double hostMemSlopeMiBPerReboot() {
        List<double[]> pts = new ArrayList<>();
        for (SoakReboot r : reboots) {
            if (!Double.isNaN(r.hostMemAvailableMiB())) {
                pts.add(new double[] {r.index(), r.hostMemAvailableMiB()});
            }
        }
        if (pts.size() < 2) {
            return Double.NaN;
        }
        double mx = pts.stream().mapToDouble(p -> p[0]).average().orElseThrow();
        double my = pts.stream().mapToDouble(p -> p[1]).average().orElseThrow();
        double num = 0;
        double den = 0;
        for (double[] p : pts) {
            num += (p[0] - mx) * (p[1] - my);
            den += (p[0] - mx) * (p[0] - mx);
        }
        return den == 0 ? Double.NaN : num / den;
    }

    /** What leaked; empty when nothing did. */
    public List<String> leaks() {
        List<String> l = new ArrayList<>();
        for (SoakReboot r : reboots) {
            if (r.instances() != 1) {
                l.add("after reboot " + r.index() + ": " + r.instances() + " instances of the VM running instead of 1");
            }
            r.leftovers().forEach(x -> l.add("after reboot " + r.index() + ": " + x));
        }
        leftoversAfterStop.forEach(x -> l.add("after the VM stopped: " + x));
        if (end.jvmFds() - start.jvmFds() > FD_SLACK) {
            l.add("bgreboot's open file descriptors grew from " + start.jvmFds() + " to " + end.jvmFds());
        }
        if (end.jvmThreads() - start.jvmThreads() > THREAD_SLACK) {
            l.add("bgreboot's threads grew from " + start.jvmThreads() + " to " + end.jvmThreads());
        }
        if (end.heapAfterGcMiB() - start.heapAfterGcMiB() > HEAP_SLACK_MIB) {
            l.add(String.format("bgreboot's heap after GC grew from %.1f to %.1f MiB", start.heapAfterGcMiB(), end.heapAfterGcMiB()));
        }
        return l;
    }

    /** Why the soak failed; empty when it passed. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        failure.ifPresent(p::add);
        if (reboots.size() < requested) {
            p.add("only " + reboots.size() + " of " + requested + " reboots ran");
        }
        reboots.stream().filter(SoakReboot::aborted)
                .forEach(r -> p.add("reboot " + r.index() + " aborted: " + r.abortReason().orElseThrow()));
        reboots.stream().filter(r -> !r.aborted() && Double.isNaN(r.downtimeMs()))
                .forEach(r -> p.add("reboot " + r.index() + ": the prober never saw the new OS answer"));
        if (!lostWrites.isEmpty()) {
            p.add(lostWrites.size() + " acknowledged writes lost: " + abbreviate(lostWrites));
        }
        if (maxChainDepth() > MAX_CHAIN_DEPTH) {
            p.add("the backing chain grew to " + maxChainDepth() + " layers (at most " + MAX_CHAIN_DEPTH + " allowed)");
        }
        p.addAll(leaks());
        return p;
    }

    public String table() {
        Table t = Table.of("reboot", "generation", "downtime", "BG boot to ready", "switch", "chain depth", "instances",
                "leftovers", "host mem available");
        for (SoakReboot r : reboots) {
            t.row(String.valueOf(r.index()), String.valueOf(r.generation()), r.aborted() ? "aborted" : DemoReport.ms(r.downtimeMs()),
                    DemoReport.ms(r.bgReadyMs()), DemoReport.ms(r.switchMs()), String.valueOf(r.chainDepth()),
                    String.valueOf(r.instances()), String.valueOf(r.leftovers().size()), mib(r.hostMemAvailableMiB()));
        }
        Table s = Table.of("soak of " + vm, "");
        s.row("reboots", reboots.size() + " of " + requested + (aborted() > 0 ? " (" + aborted() + " aborted)" : ""));
        s.row("writes acknowledged", String.valueOf(ackedWrites));
        s.row("acknowledged writes lost", String.valueOf(lostWrites.size()));
        s.row("write attempts refused or failed", String.valueOf(writeFailures));
        s.row("max backing chain depth", maxChainDepth() + " (limit " + MAX_CHAIN_DEPTH + ")");
        s.row("downtime min / median / max", DemoReport.ms(downtimeMin()) + " / " + DemoReport.ms(downtimeMedian()) + " / " + DemoReport.ms(downtimeMax()));
        s.row("instances running after each reboot", reboots.stream().map(r -> String.valueOf(r.instances())).distinct().reduce((a, b) -> a + ", " + b).orElse("–"));
        s.row("leftovers after reboots / after stop", reboots.stream().mapToInt(r -> r.leftovers().size()).sum() + " / " + leftoversAfterStop.size());
        s.row("bgreboot open fds start → end", start.jvmFds() + " → " + end.jvmFds());
        s.row("bgreboot threads start → end", start.jvmThreads() + " → " + end.jvmThreads());
        s.row("bgreboot heap after GC start → end", String.format("%.1f → %.1f MiB", start.heapAfterGcMiB(), end.heapAfterGcMiB()));
        s.row("host memory available start → end", String.format("%s → %s (%s MiB per reboot)", mib(start.hostMemAvailableMiB()),
                mib(end.hostMemAvailableMiB()), Double.isNaN(hostMemSlopeMiBPerReboot()) ? "–" : String.format("%+.1f", hostMemSlopeMiBPerReboot())));
        s.row("accelerator", accel);
        List<String> problems = problems();
        return t.toText() + "\n" + s.toText() + (problems.isEmpty() ? "soak passed\n" : "soak FAILED: " + problems.size() + " problem(s)\n");
    }

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("vm", vm);
        j.put("accel", accel);
        j.put("reboots", reboots.size());
        j.put("reboots_requested", requested);
        j.put("reboots_aborted", aborted());
        j.put("acked_writes", ackedWrites);
        j.put("acked_writes_lost", lostWrites.size());
        j.put("lost_write_seqs", lostWrites);
        j.put("write_failures", writeFailures);
        j.put("max_chain_depth", maxChainDepth());
        j.put("downtime_ms_min", ResultJson.num(downtimeMin()));
        j.put("downtime_ms_median", ResultJson.num(downtimeMedian()));
        j.put("downtime_ms_max", ResultJson.num(downtimeMax()));
        List<Double> perReboot = new ArrayList<>();
        reboots.forEach(r -> perReboot.add(ResultJson.num(r.downtimeMs())));
        j.put("downtime_ms", perReboot);
        List<Map<String, Object>> list = new ArrayList<>();
        for (SoakReboot r : reboots) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("reboot", r.index());
            o.put("generation", r.generation());
            o.put("aborted", r.abortReason().orElse(null));
            o.put("downtime_ms", ResultJson.num(r.downtimeMs()));
            o.put("bg_ready_ms", ResultJson.num(r.bgReadyMs()));
            o.put("switch_ms", ResultJson.num(r.switchMs()));
            o.put("chain_depth", r.chainDepth());
            o.put("instances", r.instances());
            o.put("leftovers", r.leftovers());
            o.put("host_mem_available_mib", ResultJson.num(r.hostMemAvailableMiB()));
            list.add(o);
        }
        j.put("per_reboot", list);
        Map<String, Object> leaks = new LinkedHashMap<>();
        leaks.put("instances_after_each_reboot", reboots.stream().map(SoakReboot::instances).toList());
        leaks.put("leftovers_after_stop", leftoversAfterStop);
        leaks.put("jvm_fds_start", start.jvmFds());
        leaks.put("jvm_fds_end", end.jvmFds());
        leaks.put("jvm_threads_start", start.jvmThreads());
        leaks.put("jvm_threads_end", end.jvmThreads());
        leaks.put("jvm_heap_after_gc_mib_start", ResultJson.num(start.heapAfterGcMiB()));
        leaks.put("jvm_heap_after_gc_mib_end", ResultJson.num(end.heapAfterGcMiB()));
        leaks.put("host_mem_available_mib_start", ResultJson.num(start.hostMemAvailableMiB()));
        leaks.put("host_mem_available_mib_end", ResultJson.num(end.hostMemAvailableMiB()));
        leaks.put("host_mem_available_mib_per_reboot", ResultJson.num(hostMemSlopeMiBPerReboot()));
        leaks.put("found", leaks());
        j.put("leaks", leaks);
        j.put("problems", problems());
        j.put("ok", problems().isEmpty());
        return j;
    }

    private static String mib(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.0f MiB", v);
    }

    private static String abbreviate(List<Long> seqs) {
        return seqs.size() <= 20 ? seqs.toString() : seqs.subList(0, 20) + " ...";
    }
}
