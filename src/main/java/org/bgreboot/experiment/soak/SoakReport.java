package org.bgreboot.experiment.soak;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.output.BgShareJson;
import org.bgreboot.output.Figures;
import org.bgreboot.output.OutcomeFields;
import org.bgreboot.output.OutputJson;
import org.bgreboot.measure.Stats;
import org.bgreboot.render.Table;

import org.bgreboot.experiment.DemoReport;
import org.bgreboot.experiment.soak.SoakReboot;
/**
 * A soak's figures: per reboot and in sum, what leaked, and the problems that make it fail — an
 * acknowledged write lost, a backing chain deeper than {@link #MAX_CHAIN_DEPTH}, a reboot that
 * aborted, failed or fell back to a cold boot, more or fewer than one QEMU process after a reboot, leftovers (processes,
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

    /** The downtimes of the reboots that switched: a cold boot's is reported per reboot, never counted here. */
    public double[] downtimes() {
        return reboots.stream().filter(SoakReboot::switched).mapToDouble(SoakReboot::downtimeMs).filter(d -> !Double.isNaN(d)).toArray();
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

    public long fellBack() {
        return reboots.stream().filter(SoakReboot::fellBack).count();
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
        reboots.stream().filter(r -> !r.switched())
                .forEach(r -> p.add("reboot " + r.index() + (r.fellBack() ? " is no background reboot: " : " ") + r.outcome().describe()));
        reboots.stream().filter(r -> r.switched() && Double.isNaN(r.downtimeMs()))
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
            t.row(String.valueOf(r.index()), String.valueOf(r.generation()), downtimeCell(r),
                    DemoReport.ms(r.bgReadyMs()), DemoReport.ms(r.switchMs()), String.valueOf(r.chainDepth()),
                    String.valueOf(r.instances()), String.valueOf(r.leftovers().size()), mib(r.hostMemAvailableMiB()));
        }
        Table s = Table.of("soak of " + vm, "");
        s.row("reboots", reboots.size() + " of " + requested + (aborted() > 0 ? " (" + aborted() + " aborted)" : "")
                + (fellBack() > 0 ? " (" + fellBack() + " cold-booted after a failed switch)" : ""));
        s.row("writes acknowledged", String.valueOf(ackedWrites));
        s.row("acknowledged writes lost", String.valueOf(lostWrites.size()));
        s.row("write attempts refused or failed", String.valueOf(writeFailures));
        s.row("max backing chain depth", maxChainDepth() + " (limit " + MAX_CHAIN_DEPTH + ")");
        s.row("downtime min / median / max (switches)", DemoReport.ms(downtimeMin()) + " / " + DemoReport.ms(downtimeMedian()) + " / " + DemoReport.ms(downtimeMax()));
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

    /** A reboot's downtime for the table: what it was, and what it was not when it did not switch. */
    private static String downtimeCell(SoakReboot r) {
        if (r.aborted()) {
            return "aborted";
        }
        return DemoReport.ms(r.downtimeMs()) + (r.switched() ? "" : " (" + r.outcome().kind().key() + ")");
    }

    /**
     * {@code bgreboot soak --json} (docs/schema/soak.schema.json). Downtime statistics are over
     * the reboots that switched; every reboot's own downtime and outcome are under {@code per_reboot}.
     *
     * @param downtimeMs every reboot's downtime, in order (a cold boot's too; null where none was seen)
     */
    public record Json(int schemaVersion, String vm, String accel, int reboots, int rebootsRequested, long rebootsAborted,
                       long rebootsColdBooted, int ackedWrites, int ackedWritesLost, List<Long> lostWriteSeqs, int writeFailures,
                       int maxChainDepth, double downtimeMsMin, double downtimeMsMedian, double downtimeMsMax, List<Double> downtimeMs,
                       List<PerReboot> perReboot, Leaks leaks, List<String> problems, boolean ok) {}

    /** One reboot of the soak: how it ended (written in place) and what was found right after it. */
    public record PerReboot(int reboot, int generation, @JsonUnwrapped OutcomeFields outcome, double downtimeMs, double maxProbeGapMs, double bgReadyMs,
                            double switchMs, Optional<BgShareJson> bgShare, int chainDepth, int instances, List<String> leftovers,
                            @JsonProperty("host_mem_available_mib") double hostMemAvailableMiB) {

        static PerReboot of(SoakReboot r) {
            return new PerReboot(r.index(), r.generation(), OutcomeFields.of(r.outcome()), Figures.ms(r.downtimeMs()), Figures.ms(r.maxProbeGapMs()),
                    Figures.ms(r.bgReadyMs()),
                    Figures.ms(r.switchMs()), r.bgShare().map(BgShareJson::of), r.chainDepth(), r.instances(), r.leftovers(),
                    Figures.ms(r.hostMemAvailableMiB()));
        }
    }

    /** What the soak watches for leaks, at its start and end; {@code found} is what leaked. */
    public record Leaks(List<Integer> instancesAfterEachReboot, List<String> leftoversAfterStop, int jvmFdsStart, int jvmFdsEnd,
                        int jvmThreadsStart, int jvmThreadsEnd, double jvmHeapAfterGcMibStart, double jvmHeapAfterGcMibEnd,
                        double hostMemAvailableMibStart, double hostMemAvailableMibEnd, double hostMemAvailableMibPerReboot, List<String> found) {}

    public Json json() {
        Leaks leaks = new Leaks(reboots.stream().map(SoakReboot::instances).toList(), leftoversAfterStop, start.jvmFds(), end.jvmFds(),
                start.jvmThreads(), end.jvmThreads(), Figures.ms(start.heapAfterGcMiB()), Figures.ms(end.heapAfterGcMiB()),
                Figures.ms(start.hostMemAvailableMiB()), Figures.ms(end.hostMemAvailableMiB()), Figures.ms(hostMemSlopeMiBPerReboot()), leaks());
        List<String> problems = problems();
        return new Json(OutputJson.SCHEMA_VERSION, vm, accel, reboots.size(), requested, aborted(), fellBack(), ackedWrites, lostWrites.size(),
                lostWrites, writeFailures, maxChainDepth(), Figures.ms(downtimeMin()), Figures.ms(downtimeMedian()), Figures.ms(downtimeMax()),
                reboots.stream().map(r -> Figures.ms(r.downtimeMs())).toList(), reboots.stream().map(PerReboot::of).toList(), leaks, problems,
                problems.isEmpty());
    }

    private static String mib(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.0f MiB", v);
    }

    private static String abbreviate(List<Long> seqs) {
        return seqs.size() <= 20 ? seqs.toString() : seqs.subList(0, 20) + " ...";
    }
}
