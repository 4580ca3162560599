package org.bgreboot.experiment.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bgreboot.render.Table;
import org.bgreboot.report.DowntimeAttribution;
import org.bgreboot.spec.ByteSize;

import org.bgreboot.experiment.bench.BenchCell;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchResult;
import org.bgreboot.experiment.bench.BenchStat;
/**
 * The bench's table, laid out like the paper's: one row per guest and memory size, the normal
 * reboot's downtime first, then ours, then what the clone cost before the switch. Cells are
 * medians with the min–max over the repeats. A second table splits the background downtime into
 * its parts.
 */
public final class BenchTable {
    static final List<String> COLUMNS = List.of("guest", "memory", "normal reboot downtime", "kexec downtime",
            "background downtime (handover)", "background downtime (restore)", "switch (handover)", "switch (restore)",
            "FG pause", "clone boot", "background / normal", "acked writes lost");
    static final List<String> PART_COLUMNS = List.of("guest", "memory", "background downtime (handover)", "old OS's last answer to the move",
            "network move", "to the clone's first answer", "failed probes", "slowest probe");

    private BenchTable() {}

    public static Table of(BenchResult r) {
        Table t = new Table(COLUMNS);
        for (String guest : r.plan().guests()) {
            for (ByteSize mem : r.plan().memories()) {
                int mb = (int) mem.mib();
                List<String> row = new ArrayList<>();
                row.add(guest);
                row.add(mem.toString());
                row.add(cell(r.cell(guest, mb, BenchMethod.NORMAL), BenchCell::downtime));
                row.add(cell(r.cell(guest, mb, BenchMethod.KEXEC), BenchCell::downtime));
                row.add(cell(r.cell(guest, mb, BenchMethod.BACKGROUND), BenchCell::downtime));
                row.add(cell(r.cell(guest, mb, BenchMethod.RESTORE), BenchCell::downtime));
                row.add(cell(r.cell(guest, mb, BenchMethod.BACKGROUND), BenchCell::switchTime));
                row.add(cell(r.cell(guest, mb, BenchMethod.RESTORE), BenchCell::switchTime));
                row.add(r.beforeTheSwitch(guest, mb, BenchRun::fgPauseMs).format());
                row.add(r.beforeTheSwitch(guest, mb, BenchRun::bgReadyMs).format());
                row.add(percent(r.downtimeRatio(guest, mb)));
                row.add(lost(r, guest, mb));
                t.row(row);
            }
        }
        return t;
    }

    /**
     * The background (handover) downtime by its parts, on one clock with the flow's own steps: the
     * old OS's last answer to the network's move, the move, the clone's first answer (they add up to
     * the downtime); the probes that failed in that window and the slowest one. Empty without
     * background runs.
     */
    public static Table parts(BenchResult r) {
        Table t = new Table(PART_COLUMNS);
        for (String guest : r.plan().guests()) {
            for (ByteSize mem : r.plan().memories()) {
                Optional<BenchCell> c = r.cell(guest, (int) mem.mib(), BenchMethod.BACKGROUND);
                if (c.isEmpty() || c.get().runs().isEmpty()) {
                    continue;
                }
                BenchCell b = c.get();
                Map<String, Integer> failed = b.failedProbes();
                t.row(List.of(guest, mem.toString(), cell(c, BenchCell::downtime), b.downtimePart(DowntimeAttribution::beforeMoveMs).format(),
                        b.downtimePart(DowntimeAttribution::networkMoveMs).format(), b.downtimePart(DowntimeAttribution::firstAnswerMs).format(),
                        failed.isEmpty() ? "none" : failed.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")),
                        b.downtimePart(DowntimeAttribution::slowestProbeMs).format()));
            }
        }
        return t;
    }

    /** The table as Markdown with the command and machine that made it, for the README. */
    public static String markdown(BenchResult r) {
        StringBuilder b = new StringBuilder();
        b.append("Made by `").append(r.plan().command()).append("` on ").append(r.startedAt()).append(": ")
         .append(r.machine().nproc()).append(" CPUs (").append(r.machine().cpu()).append("), ")
         .append(r.machine().qemuVersion()).append(", accelerator ").append(r.accel())
         .append(String.format(", %.1f min.%n%n", r.wallMs() / 60_000));
        b.append("Medians over ").append(r.plan().repeat()).append(r.plan().repeat() == 1 ? " run" : " runs")
         .append(" (min–max); downtime is what a prober outside the VM saw, every 10 ms.\n\n");
        b.append(of(r).toMarkdown());
        Table parts = parts(r);
        if (!parts.rows().isEmpty()) {
            b.append("\nThe background downtime by its parts (medians over the repeats that switched; failed probes summed over them):\n\n")
             .append(parts.toMarkdown());
        }
        r.interference().ifPresent(i -> b.append("\nFG throughput while BG boots (").append(i.vm()).append(", same run):\n\n")
                .append(i.table().toMarkdown()).append("\n").append(i.agreement()).append("\n"));
        List<String> problems = r.problems();
        if (!problems.isEmpty()) {
            b.append("\nProblems:\n\n");
            problems.forEach(p -> b.append("- ").append(p).append('\n'));
        }
        return b.toString();
    }

    /**
     * "–" where the method was not run; failed repeats are counted beside the median of the others,
     * those that fell back to a cold boot named as such.
     */
    static String cell(Optional<BenchCell> cell, Function<BenchCell, BenchStat> figure) {
        if (cell.isEmpty() || cell.get().runs().isEmpty()) {
            return "–";
        }
        BenchCell c = cell.get();
        BenchStat s = figure.apply(c);
        String failed = c.failures() + "/" + c.runs().size() + " failed" + (c.fellBack() > 0 ? " (" + c.fellBack() + " cold-booted)" : "");
        if (c.failures() == 0) {
            return s.format();
        }
        return s.empty() ? failed : s.format() + ", " + failed;
    }

    static String percent(double ratio) {
        if (Double.isNaN(ratio)) {
            return "–";
        }
        double p = 100 * ratio;
        return String.format(p < 10 ? "%.2f %%" : "%.0f %%", p);
    }

    static String lost(BenchResult r, String guest, int mb) {
        int lost = 0;
        long unchecked = 0;
        boolean any = false;
        for (BenchMethod m : r.plan().methods()) {
            BenchCell c = r.cell(guest, mb, m).orElseThrow();
            lost += c.ackedWritesLost();
            unchecked += c.unchecked();
            any |= !c.runs().isEmpty();
        }
        if (!any) {
            return "–";
        }
        return lost + (unchecked > 0 ? " (" + unchecked + " unchecked)" : "");
    }
}
