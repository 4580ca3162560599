package org.bgreboot.experiment.postgres;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.render.PhaseMark;
import org.bgreboot.report.RebootPhases;
import org.bgreboot.report.ResultJson;

/**
 * One reboot under pgbench as its clients saw it. The downtime is the longest time between two
 * commits (of any client) overlapping the reboot; TPS is commits per second in the window before
 * it, while the clone booted (background reboots) and in the window after it. Times are run-clock ms.
 */
public record PostgresReboot(
        Method method,
        Optional<String> abortReason,
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
        return new PostgresReboot(r.method(), r.failure(), r.startMs(), r.endMs(),
                seen.longestGapMs(r.startMs(), r.endMs()),
                seen.tps(r.startMs() - windowMs, r.startMs()),
                background ? seen.tps(r.bgLaunchedAtMs(), r.bgReadyAtMs()) : Double.NaN,
                seen.tps(r.endMs(), r.endMs() + windowMs),
                background ? r.bgReadyMs() : Double.NaN,
                background ? r.switchMs() : Double.NaN,
                RebootPhases.of(r));
    }

    public boolean background() {
        return method == Method.BACKGROUND;
    }

    Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("method", method.label());
        j.put("aborted", abortReason.orElse(null));
        j.put("commit_gap_ms", ResultJson.num(commitGapMs));
        j.put("tps_before", ResultJson.num(tpsBefore));
        j.put("tps_during_bg_boot", ResultJson.num(tpsDuringBgBoot));
        j.put("tps_after", ResultJson.num(tpsAfter));
        j.put("bg_boot_ms", ResultJson.num(bgBootMs));
        j.put("switch_ms", ResultJson.num(switchMs));
        j.put("start_ms", ResultJson.num(startMs));
        j.put("end_ms", ResultJson.num(endMs));
        return j;
    }
}
