package org.bgreboot.experiment.postgres;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import java.util.Optional;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.render.PhaseMark;
import org.bgreboot.report.RebootPhases;
import org.bgreboot.output.Figures;
import org.bgreboot.output.OutcomeFields;
import org.bgreboot.reboot.Outcome;

/**
 * One reboot under pgbench as its clients saw it. The downtime is the longest time between two
 * commits (of any client) overlapping the reboot; TPS is commits per second in the window before
 * it, while the clone booted (background reboots) and in the window after it. Times are run-clock ms.
 */
public record PostgresReboot(
        Method method,
        Outcome outcome,
        double startMs,
        double endMs,
        double commitGapMs,
        double tpsBefore,
        double tpsDuringBgBoot,
        double tpsAfter,
        double bgBootMs,
        double switchMs,
        List<PhaseMark> phases) {

    static PostgresReboot of(RebootResult r, PgbenchWorkload.Result seen, long windowMs) {
        boolean background = r.method() == Method.BACKGROUND;
        return new PostgresReboot(r.method(), r.outcome(), r.startMs(), r.endMs(),
                seen.longestGapMs(r.startMs(), r.endMs()),
                seen.tps(r.startMs() - windowMs, r.startMs()),
                background ? seen.tps(r.bgLaunchedAtMs(), r.bgReadyAtMs()) : Double.NaN,
                tpsAfter(r, seen, windowMs),
                background ? r.bgReadyMs() : Double.NaN,
                background ? r.switchMs() : Double.NaN,
                RebootPhases.of(r));
    }

    /** Throughput once the clients commit again (how long that took is in the commit gap); 0 if they never did. */
    private static double tpsAfter(RebootResult r, PgbenchWorkload.Result seen, long windowMs) {
        return seen.firstCommitAfter(r.endMs()).stream().map(at -> seen.tps(at, at + windowMs)).findFirst().orElse(0);
    }

    public boolean background() {
        return method == Method.BACKGROUND;
    }

    /** Why this reboot is not what its method promises (aborted, cold-booted after a failed switch...); empty when it is. */
    public Optional<String> failure() {
        return outcome instanceof Outcome.Switched || outcome instanceof Outcome.Rebooted ? Optional.empty() : Optional.of(outcome.describe());
    }

    /**
     * One reboot under pgbench in the bench's JSON.
     *
     * @param ofNormalPct the commit gap as a share of the normal reboot's, percent (background reboots)
     */
    public record Json(Method method, @JsonUnwrapped OutcomeFields outcome, double commitGapMs, Optional<Double> ofNormalPct, double tpsBefore,
                       double tpsDuringBgBoot, double tpsAfter, double bgBootMs, double switchMs, double startMs, double endMs) {}

    Json json(double ofNormal) {
        return new Json(method, OutcomeFields.of(outcome), Figures.ms(commitGapMs), background() ? Optional.of(Figures.ms(100 * ofNormal)) : Optional.empty(),
                Figures.ms(tpsBefore), Figures.ms(tpsDuringBgBoot), Figures.ms(tpsAfter), Figures.ms(bgBootMs), Figures.ms(switchMs),
                Figures.ms(startMs), Figures.ms(endMs));
    }
}
