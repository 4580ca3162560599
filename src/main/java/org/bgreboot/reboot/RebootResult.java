package org.bgreboot.reboot;

import java.util.List;
import java.util.Optional;
import org.bgreboot.measure.PhaseMark;

/**
 * What a reboot did and how long each part took (the server's view; what clients saw is measured
 * apart, by {@code org.bgreboot.measure}). Times are RunClock ms; durations NaN where a method has
 * no such part (a normal reboot has no clone).
 *
 * @param fgPauseMs      FG disturbed by the clone: filesystem freeze to thaw
 * @param bgReadyMs      clone launched until every readiness check passed
 * @param switchMs       release hook start until the new VM has the network
 * @param fgStoppedAtMs  when FG was killed (NaN if never); must come after {@code bgReadyAtMs}
 */
public record RebootResult(
        String vm,
        Method method,
        SwitchMode switchMode,
        Optional<String> abortReason,
        double installMs,
        double startMs,
        double endMs,
        double fgPauseMs,
        double bgReadyMs,
        double bgReadyAtMs,
        double fgStoppedAtMs,
        double switchMs,
        List<Step> steps,
        List<PhaseMark> phases,
        int generation,
        int chainDepth) {

    public boolean aborted() {
        return abortReason.isPresent();
    }

    /** The invariant "FG is never stopped before BG is ready" held (trivially for other methods). */
    public boolean fgStoppedAfterReady() {
        return method != Method.BACKGROUND || Double.isNaN(fgStoppedAtMs) || fgStoppedAtMs >= bgReadyAtMs;
    }

    public Optional<Step> step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
