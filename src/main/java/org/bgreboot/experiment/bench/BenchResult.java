package org.bgreboot.experiment.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.bgreboot.render.TimelinePanel;
import org.bgreboot.engine.embedded.AccelChoice;
import org.bgreboot.spec.ByteSize;

import org.bgreboot.experiment.bench.BenchCell;
import org.bgreboot.experiment.bench.BenchMachine;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchPlan;
/**
 * Everything one bench run measured, in the order it ran.
 *
 * @param timelines one probe timeline per guest and method at the largest memory size
 * @param leftovers what the bench's VMs held afterwards that they should not
 */
public record BenchResult(BenchPlan plan, AccelChoice accel, BenchMachine machine, String startedAt, double wallMs,
                          List<BenchRun> runs, Optional<InterferenceResult> interference,
                          List<TimelinePanel> timelines, List<String> leftovers) {

    public BenchResult {
        runs = List.copyOf(runs);
        timelines = List.copyOf(timelines);
        leftovers = List.copyOf(leftovers);
    }

    /** One cell per (guest, memory, method) of the plan, in the plan's guest order, small memory first, even where no run got done. */
    public List<BenchCell> cells() {
        List<BenchCell> cells = new ArrayList<>();
        for (String guest : plan.guests()) {
            for (ByteSize mem : plan.memories()) {
                for (BenchMethod m : plan.methods()) {
                    cells.add(cell(guest, (int) mem.mib(), m).orElseThrow());
                }
            }
        }
        return cells;
    }

    /** Empty when the plan does not include the method. */
    public Optional<BenchCell> cell(String guest, int memoryMb, BenchMethod method) {
        if (!plan.methods().contains(method)) {
            return Optional.empty();
        }
        return Optional.of(new BenchCell(guest, memoryMb, method,
                runs.stream().filter(r -> r.guest().equals(guest) && r.memoryMb() == memoryMb && r.method() == method).toList()));
    }

    /** Background (handover) downtime over normal-reboot downtime, medians; NaN if either is missing. */
    public double downtimeRatio(String guest, int memoryMb) {
        double bg = cell(guest, memoryMb, BenchMethod.BACKGROUND).map(c -> c.downtime().median()).orElse(Double.NaN);
        double normal = cell(guest, memoryMb, BenchMethod.NORMAL).map(c -> c.downtime().median()).orElse(Double.NaN);
        return normal > 0 ? bg / normal : Double.NaN;
    }

    /**
     * A figure of what comes before the switch (FG's pause at the clone point, the clone's boot),
     * which is the same whichever way the clone then takes over: over the good repeats of both
     * background methods.
     */
    public BenchStat beforeTheSwitch(String guest, int memoryMb, ToDoubleFunction<BenchRun> figure) {
        return BenchStat.of(runs.stream().filter(r -> r.guest().equals(guest) && r.memoryMb() == memoryMb && r.method().background() && r.ok())
                .map(r -> figure.applyAsDouble(r)).toList());
    }

    /** Runs whose switch failed and whose VM was cold-booted instead: reported, never counted as background reboots. */
    public long runsFellBack() {
        return runs.stream().filter(BenchRun::fellBack).count();
    }

    public int ackedWritesLost() {
        return runs.stream().mapToInt(BenchRun::ackedWritesLost).sum();
    }

    /**
     * Why this bench is not a clean result: failed runs (a run cold-booted after a failed switch
     * among them), lost writes, leftovers, a void interference case.
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        for (BenchRun r : runs) {
            String run = r.guest() + " " + r.memoryMb() + "M " + r.method().label() + " #" + r.repeat();
            r.failure().ifPresent(f -> p.add(run + (r.fellBack() ? " is no background reboot: " : " failed: ") + f));
            if (r.ackedWritesLost() > 0) {
                p.add(run + " lost " + r.ackedWritesLost() + " acknowledged writes");
            }
        }
        interference.ifPresent(i -> p.addAll(i.problems()));
        leftovers.forEach(l -> p.add("left behind: " + l));
        return p;
    }
}
