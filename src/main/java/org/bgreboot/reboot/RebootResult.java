package org.bgreboot.reboot;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a reboot did and how long each part took (the server's view; what clients saw is measured
 * apart, by {@code org.bgreboot.measure}). Times are RunClock ms. The figures are derived from the
 * timed spans, NaN where a method has no such span (a normal reboot has no clone).
 *
 * @param engine     the engine that ran the VM
 * @param installMs  the update's install in the running VM, before anything else
 * @param steps      every timed part, in order
 * @param spans      the reboot's spans (see {@link Span})
 * @param generation the generation serving afterwards
 * @param chainDepth the serving system disk's backing chain length afterwards (0 where unknown)
 * @param diskHandover how the persistent disk reached the new VM: "swap", "hot-plug" (empty for other methods)
 * @param bgShare    how much of the host the clone could take ("idle", "adaptive", "normal"; empty for other methods)
 * @param bgThrottledMs how long the clone was capped because FG was busy (0 unless adaptive)
 */
public record RebootResult(
        String vm,
        String engine,
        Method method,
        SwitchMode switchMode,
        Optional<String> abortReason,
        double installMs,
        double startMs,
        double endMs,
        List<TimedStep> steps,
        Map<Span, Span.Interval> spans,
        int generation,
        int chainDepth,
        Optional<String> diskHandover,
        Optional<String> bgShare,
        double bgThrottledMs,
        Optional<String> serving) {

    public RebootResult {
        steps = List.copyOf(steps);
        spans = spans.isEmpty() ? new EnumMap<>(Span.class) : new EnumMap<>(spans);
    }

    public boolean aborted() {
        return abortReason.isPresent();
    }

    public double ms(Span s) {
        Span.Interval i = spans.get(s);
        return i == null ? Double.NaN : i.ms();
    }

    /** FG disturbed by the clone: freeze to thaw. */
    public double fgPauseMs() {
        return ms(Span.FG_PAUSE);
    }

    /** Clone launched until every readiness check passed. */
    public double bgReadyMs() {
        return ms(Span.BG_BOOT);
    }

    /** When the clone was ready, NaN if it never was. */
    public double bgReadyAtMs() {
        Span.Interval i = spans.get(Span.BG_BOOT);
        return i == null ? Double.NaN : i.endMs();
    }

    /** When the clone was launched, NaN if it never was. */
    public double bgLaunchedAtMs() {
        Span.Interval i = spans.get(Span.BG_BOOT);
        return i == null ? Double.NaN : i.startMs();
    }

    /** Release start until the new VM has its network and its persistent disk mounted. */
    public double switchMs() {
        return ms(Span.SWITCH);
    }

    /** The invariant "FG is never stopped before BG is ready" held (trivially for other methods). */
    public boolean fgStoppedAfterReady() {
        Span.Interval stopped = spans.get(Span.FG_STOPPED);
        return method != Method.BACKGROUND || stopped == null || stopped.startMs() >= bgReadyAtMs();
    }

    public Optional<TimedStep> step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
