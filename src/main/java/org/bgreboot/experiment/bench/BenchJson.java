package org.bgreboot.experiment.bench;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.output.BgShareJson;
import org.bgreboot.output.Figures;
import org.bgreboot.output.OutcomeFields;
import org.bgreboot.output.OutputJson;
import org.bgreboot.output.RebootJson;
import org.bgreboot.reboot.Part;
import org.bgreboot.spec.ByteSize;

/**
 * {@code bgreboot bench --json} (docs/schema/bench.schema.json): one object per (guest, memory,
 * method) under {@code results}, guests in the order they were given, each self-describing (accelerator and machine included), with
 * medians and ranges over the repeats that did what their method promises, and every repeat's raw
 * figures and outcome; the FG interference figures beside them. Times in ms, null where not measured.
 *
 * @param backgroundNormalRatios the background reboot's median downtime over the normal one's, per guest and memory size
 * @param runsFellBack           runs whose switch failed and whose VM was cold-booted instead (each fails the bench)
 * @param interference           FG's throughput while a clone boots: the first guest's, at the largest memory size
 */
public record BenchJson(int schemaVersion, String command, String startedAt, double wallS, List<String> guests, String accel, String accelReason,
                        BenchMachine machine, List<Cell> results, List<Ratio> backgroundNormalRatios, int ackedWritesLost,
                        long runsFellBack, Optional<InterferenceResult.Json> interference, List<String> leftovers, List<String> problems) {

    /** Background (handover) over normal downtime, medians, for one guest and memory size; null where either is missing. */
    public record Ratio(String guest, int memoryMb, double ratio) {}

    /**
     * All repeats of one method at one memory size: {@code NAME_ms} is the median over the good
     * repeats, {@code NAME_min_ms} and {@code NAME_max_ms} their range.
     *
     * @param failed          repeats that did not do what the method promises (a cold boot, an abort, the old OS still serving...)
     * @param fellBack        of those, the repeats cold-booted after a failed switch
     * @param ledgerUnchecked repeats whose ledger could not be read back: their lost writes are unknown
     */
    public record Cell(String guest, int memoryMb, BenchMethod method, int runs, long failed, long fellBack, double downtimeMs,
                       double downtimeMinMs, double downtimeMaxMs, double switchMs, double switchMinMs, double switchMaxMs, double bgReadyMs,
                       double bgReadyMinMs, double bgReadyMaxMs, double timeToNewOsMs, double timeToNewOsMinMs, double timeToNewOsMaxMs,
                       double fgPauseMs, double fgPauseMinMs, double fgPauseMaxMs,
                       int ackedWrites, int ackedWritesLost, long ledgerUnchecked, String accel, BenchMachine machine, List<Repeat> repeats) {

        static Cell of(BenchCell c, BenchResult r) {
            BenchStat d = c.downtime(), s = c.switchTime(), b = c.bgReady(), t = c.timeToNewOs(), p = c.fgPause();
            return new Cell(c.guest(), c.memoryMb(), c.method(), c.runs().size(), c.failures(), c.fellBack(),
                    Figures.ms(d.median()), Figures.ms(d.min()), Figures.ms(d.max()), Figures.ms(s.median()), Figures.ms(s.min()), Figures.ms(s.max()),
                    Figures.ms(b.median()), Figures.ms(b.min()), Figures.ms(b.max()), Figures.ms(t.median()), Figures.ms(t.min()), Figures.ms(t.max()),
                    Figures.ms(p.median()), Figures.ms(p.min()), Figures.ms(p.max()),
                    c.ackedWrites(), c.ackedWritesLost(), c.unchecked(), r.accel().accel().qemuName(), r.machine(),
                    c.runs().stream().map(Repeat::of).toList());
        }
    }

    /**
     * One repeat: how its reboot ended (written in place; null when the run threw before it had an
     * outcome), its figures, and why it does not count, if it does not.
     *
     * @param maxProbeGapMs   the longest time without an answer: what a cold boot cost clients, where the downtime does not show it
     * @param ackedWritesLost null when the ledger could not be read back: unknown, not zero
     * @param downtimeParts   where a background switch's downtime went (null for other methods, aborts and fallbacks)
     */
    public record Repeat(int repeat, @JsonUnwrapped OutcomeFields outcome, double downtimeMs, double maxProbeGapMs, double switchMs, double bgReadyMs,
                         double fgPauseMs, double timeToNewOsMs, int ackedWrites, Optional<Integer> ackedWritesLost, double wallS, Optional<String> failure,
                         Optional<BgShareJson> bgShare, Map<Part, Double> stepsMs, Optional<RebootJson.DowntimePartsJson> downtimeParts) {

        static Repeat of(BenchRun r) {
            Map<Part, Double> steps = new LinkedHashMap<>(r.stepsMs());
            steps.replaceAll((p, ms) -> Figures.ms(ms));
            return new Repeat(r.repeat(), r.outcome().map(OutcomeFields::of).orElse(OutcomeFields.NONE), Figures.ms(r.downtimeMs()),
                    Figures.ms(r.maxProbeGapMs()), Figures.ms(r.switchMs()), Figures.ms(r.bgReadyMs()), Figures.ms(r.fgPauseMs()),
                    Figures.ms(r.timeToNewOsMs()), r.ackedWrites(),
                    r.ledgerChecked() ? Optional.of(r.ackedWritesLost()) : Optional.empty(), Figures.seconds(r.wallMs()), r.failure(),
                    r.bgShare().map(BgShareJson::of), steps, r.downtimeParts().map(RebootJson.DowntimePartsJson::of));
        }
    }

    public static BenchJson of(BenchResult r) {
        List<Ratio> ratios = new ArrayList<>();
        for (String g : r.plan().guests()) {
            for (ByteSize m : r.plan().memories()) {
                ratios.add(new Ratio(g, (int) m.mib(), Figures.ratio(r.downtimeRatio(g, (int) m.mib()))));
            }
        }
        return new BenchJson(OutputJson.SCHEMA_VERSION, r.plan().command(), r.startedAt(), Figures.seconds(r.wallMs()), r.plan().guests(),
                r.accel().accel().qemuName(), r.accel().reason(), r.machine(), r.cells().stream().map(c -> Cell.of(c, r)).toList(), ratios,
                r.ackedWritesLost(), r.runsFellBack(), r.interference().map(InterferenceResult::json), r.leftovers(), r.problems());
    }
}
