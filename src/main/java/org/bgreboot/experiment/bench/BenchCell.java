package org.bgreboot.experiment.bench;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.bgreboot.report.DowntimeAttribution;

/** All repeats of one method at one memory size of one guest, and their medians. */
public record BenchCell(String guest, int memoryMb, BenchMethod method, List<BenchRun> runs) {

    public BenchCell {
        runs = List.copyOf(runs);
    }

    public BenchStat downtime() {
        return stat(BenchRun::downtimeMs);
    }

    public BenchStat switchTime() {
        return stat(BenchRun::switchMs);
    }

    public BenchStat bgReady() {
        return stat(BenchRun::bgReadyMs);
    }

    public BenchStat timeToNewOs() {
        return stat(BenchRun::timeToNewOsMs);
    }

    /** FG disturbed by the clone point (background reboots). */
    public BenchStat fgPause() {
        return stat(BenchRun::fgPauseMs);
    }

    /** One part of the background downtime (see {@link DowntimeAttribution}), over the repeats that switched. */
    public BenchStat downtimePart(ToDoubleFunction<DowntimeAttribution> part) {
        return stat(r -> r.downtimeParts().map(part::applyAsDouble).orElse(Double.NaN));
    }

    /** Probes that failed inside the downtime windows of the good repeats, by kind, summed. */
    public Map<String, Integer> failedProbes() {
        Map<String, Integer> sum = new TreeMap<>();
        runs.stream().filter(BenchRun::ok).forEach(r -> r.downtimeParts().ifPresent(p -> p.failedProbes().forEach((k, n) -> sum.merge(k, n, Integer::sum))));
        return sum;
    }

    /** Over the successful repeats only: a failed reboot's times say nothing about the method. */
    private BenchStat stat(ToDoubleFunction<BenchRun> figure) {
        return BenchStat.of(runs.stream().filter(BenchRun::ok).map(r -> figure.applyAsDouble(r)).toList());
    }

    /** Over every repeat, failed ones too: a write lost in a failed run is lost all the same. */
    public int ackedWritesLost() {
        return runs.stream().mapToInt(BenchRun::ackedWritesLost).sum();
    }

    public int ackedWrites() {
        return runs.stream().mapToInt(BenchRun::ackedWrites).sum();
    }

    public long failures() {
        return runs.stream().filter(r -> !r.ok()).count();
    }

    /** Repeats whose switch failed and whose VM was cold-booted instead: failures, told apart because they look like a reboot. */
    public long fellBack() {
        return runs.stream().filter(BenchRun::fellBack).count();
    }

    /** Repeats whose ledger could not be read back: their lost writes are unknown. */
    public long unchecked() {
        return runs.stream().filter(r -> !r.ledgerChecked()).count();
    }
}
