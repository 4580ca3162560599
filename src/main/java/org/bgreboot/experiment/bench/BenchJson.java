package org.bgreboot.experiment.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bgreboot.experiment.bench.BenchCell;
/**
 * The bench as JSON: one object per (guest, memory, method) under {@code results}, each
 * self-describing (accelerator and machine included), with medians, ranges and every repeat's
 * raw figures; the FG interference figures beside them. Times in ms, null where not measured.
 */
public final class BenchJson {
    private BenchJson() {}

    public static Map<String, Object> of(BenchResult r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("command", r.plan().command());
        j.put("started_at", r.startedAt());
        j.put("wall_s", num(r.wallMs() / 1000));
        j.put("guest", r.plan().guest());
        j.put("accel", r.accel().accel().qemuName());
        j.put("accel_reason", r.accel().reason());
        j.put("machine", machine(r.machine()));
        List<Map<String, Object>> results = new ArrayList<>();
        for (BenchCell c : r.cells()) {
            results.add(cell(c, r));
        }
        j.put("results", results);
        Map<String, Object> ratios = new LinkedHashMap<>();
        r.plan().memories().forEach(m -> ratios.put(String.valueOf(m.mib()), ratio(r.downtimeRatio((int) m.mib()))));
        j.put("background_normal_ratio_by_memory_mb", ratios);
        j.put("acked_writes_lost", r.ackedWritesLost());
        j.put("interference", r.interference().map(InterferenceResult::json).orElse(null));
        j.put("leftovers", r.leftovers());
        j.put("problems", r.problems());
        return j;
    }

    static Map<String, Object> cell(BenchCell c, BenchResult r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("guest", c.guest());
        j.put("memory_mb", c.memoryMb());
        j.put("method", c.method().label());
        j.put("runs", c.runs().size());
        j.put("failed", c.failures());
        stat(j, "downtime", c.downtime());
        stat(j, "switch", c.switchTime());
        stat(j, "bg_ready", c.bgReady());
        stat(j, "time_to_new_os", c.timeToNewOs());
        j.put("acked_writes", c.ackedWrites());
        j.put("acked_writes_lost", c.ackedWritesLost());
        j.put("ledger_unchecked", c.unchecked());
        j.put("accel", r.accel().accel().qemuName());
        j.put("machine", machine(r.machine()));
        j.put("repeats", c.runs().stream().map(BenchJson::run).toList());
        return j;
    }

    /** {@code name_ms} is the median; {@code name_min_ms}, {@code name_max_ms} the range. */
    private static void stat(Map<String, Object> j, String name, BenchStat s) {
        j.put(name + "_ms", num(s.median()));
        j.put(name + "_min_ms", num(s.min()));
        j.put(name + "_max_ms", num(s.max()));
    }

    static Map<String, Object> run(BenchRun r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("repeat", r.repeat());
        j.put("downtime_ms", num(r.downtimeMs()));
        j.put("switch_ms", num(r.switchMs()));
        j.put("bg_ready_ms", num(r.bgReadyMs()));
        j.put("time_to_new_os_ms", num(r.timeToNewOsMs()));
        j.put("acked_writes", r.ackedWrites());
        j.put("acked_writes_lost", r.ledgerChecked() ? r.ackedWritesLost() : null);
        j.put("wall_s", num(r.wallMs() / 1000));
        j.put("failure", r.failure().orElse(null));
        Map<String, Object> steps = new LinkedHashMap<>();
        r.stepsMs().forEach((name, ms) -> steps.put(name, num(ms)));
        j.put("steps_ms", steps);
        return j;
    }

    static Map<String, Object> machine(BenchMachine m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("nproc", m.nproc());
        j.put("qemu_version", m.qemuVersion());
        j.put("host_kernel", m.hostKernel());
        j.put("cpu", m.cpu());
        return j;
    }

    /** One decimal; null for NaN (JSON has no NaN). */
    static Double num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 10) / 10.0;
    }

    /** Four decimals: ratios near 1 % need them. */
    static Double ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 10_000) / 10_000.0;
    }
}
