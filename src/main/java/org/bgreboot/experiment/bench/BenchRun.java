package org.bgreboot.experiment.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.reboot.BgShareReport;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.TimedStep;
import org.bgreboot.report.DowntimeAttribution;
import org.bgreboot.report.RebootMeasurement;

/**
 * The figures of one measured reboot in the bench matrix. A failed run keeps what was measured
 * (its lost writes count) but its times stay out of the medians: a cold boot after a failed
 * switch, above all, is reported as what it was and never counted as a background reboot.
 *
 * @param repeat          1-based repetition number
 * @param outcome         how the reboot ended; empty when the run threw before it had an outcome
 * @param maxProbeGapMs   the longest time without an answer to a probe: for a cold boot, whose clone answered before the
 *                        switch failed, what the cold boot cost clients (the downtime, last old to first new answer, does not show it)
 * @param ledgerChecked   whether the ledger was read back (a run that failed early could not)
 * @param wallMs          the whole run as the bench saw it: fresh start, reboot, measurement
 * @param stepsMs         the flow's own parts (save clone state, plug persistent disk...), to see where time went; one per disk summed
 * @param bgShare         how the clone shared the host, asked and effective (background reboots)
 * @param fgPauseMs       FG disturbed by the clone point's cut (background reboots; NaN otherwise)
 * @param downtimeParts   where a background switch's downtime went (empty for other methods and failed switches)
 */
public record BenchRun(String guest, int memoryMb, BenchMethod method, int repeat, Optional<Outcome> outcome,
                       double downtimeMs, double maxProbeGapMs, double switchMs, double bgReadyMs, double timeToNewOsMs,
                       int ackedWrites, int ackedWritesLost, boolean ledgerChecked, double wallMs,
                       Map<Part, Double> stepsMs, Optional<BgShareReport> bgShare, Optional<String> failure,
                       double fgPauseMs, Optional<DowntimeAttribution> downtimeParts) {

    public BenchRun {
        stepsMs = Collections.unmodifiableMap(new LinkedHashMap<>(stepsMs));
    }

    public boolean ok() {
        return failure.isEmpty();
    }

    /** The switch failed past its point of no return and the updated disks were cold-booted instead. */
    public boolean fellBack() {
        return outcome.map(o -> o.kind() == Outcome.Kind.COLD_BOOTED).orElse(false);
    }

    /** A run measured to the end; fails when the new OS is not what serves afterwards. */
    public static BenchRun of(String guest, int memoryMb, BenchMethod method, int repeat, RebootMeasurement m, double wallMs) {
        return new BenchRun(guest, memoryMb, method, repeat, Optional.of(m.reboot().outcome()), m.downtime().downtimeMs(), m.downtime().maxGapMs(),
                m.reboot().switchMs(),
                method.background() ? m.reboot().bgReadyMs() : Double.NaN, m.downtime().timeToNewOsMs(),
                m.ledger().ackedCount(), m.ledger().missingAcked().size(), true, wallMs, steps(m), m.reboot().bgShare(), failure(method, m),
                method.background() ? m.reboot().fgPauseMs() : Double.NaN, m.attribution());
    }

    /** A run that threw before its ledger could be read back. */
    public static BenchRun failed(String guest, int memoryMb, BenchMethod method, int repeat, String reason, double wallMs) {
        return new BenchRun(guest, memoryMb, method, repeat, Optional.empty(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                0, 0, false, wallMs, Map.of(), Optional.empty(), Optional.of(reason), Double.NaN, Optional.empty());
    }

    /** Part → ms; a part run more than once (one per disk) is summed. */
    private static Map<Part, Double> steps(RebootMeasurement m) {
        Map<Part, Double> steps = new LinkedHashMap<>();
        for (TimedStep s : m.reboot().steps()) {
            steps.merge(s.part(), s.ms(), Double::sum);
        }
        return steps;
    }

    static Optional<String> failure(BenchMethod method, RebootMeasurement m) {
        var r = m.reboot();
        var d = m.downtime();
        if (r.failure().isPresent()) {
            return r.failure(); // a cold boot after a failed switch is no background reboot: never counted as one
        }
        if (!d.newBootSeen()) {
            return Optional.of("the new OS never answered the prober");
        }
        if (d.versionAfter() == null || d.versionAfter().equals(d.versionBefore())) {
            return Optional.of("the service still reports " + d.versionBefore());
        }
        if (!r.fgStoppedAfterReady()) {
            return Optional.of("FG was stopped before the clone was ready");
        }
        if (method == BenchMethod.RESTORE && r.step(Part.SAVE_RESTORE).isEmpty()) {
            // a flow that ignores the switch mode would hand over instead: its figures are not restore's
            return Optional.of("no save/restore step ran: the switch was not a restore");
        }
        return Optional.empty();
    }
}
