package org.bgreboot.reboot;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.engine.DiskHandover;

/**
 * What a reboot did and how long each part took (the server's view; what clients saw is measured
 * apart, by {@code org.bgreboot.measure}). Times are RunClock ms. The figures are derived from the
 * timed spans, NaN where a method has no such span (a normal reboot has no clone).
 *
 * @param engine       the engine that ran the VM
 * @param outcome      how it ended: the one thing every report of it says first
 * @param installMs    the update's install in the running VM, before anything else
 * @param steps        every timed part, in order
 * @param spans        the reboot's spans (see {@link Span})
 * @param generation   the generation serving afterwards (a cold boot after a failed switch makes one more)
 * @param chainDepth   the serving system disk's backing chain length afterwards (0 where unknown)
 * @param diskHandover how the persistent disk reached the new VM (empty unless a background switch got that far)
 * @param bgShare      how the clone shared the host while it booted, asked and effective (background reboots only)
 * @param serving      which instance serves now, as its engine names it; empty when none does
 * @param keptState    what became of each service the guest names, when the reboot kept state ({@code --keep-state})
 */
public record RebootResult(
        String vm,
        String engine,
        Method method,
        SwitchMode switchMode,
        Outcome outcome,
        double installMs,
        double startMs,
        double endMs,
        List<TimedStep> steps,
        Map<Span, Span.Interval> spans,
        int generation,
        int chainDepth,
        Optional<DiskHandover> diskHandover,
        Optional<BgShareReport> bgShare,
        Optional<String> serving,
        Optional<KeptState> keptState) {

    public RebootResult {
        steps = List.copyOf(steps);
        spans = spans.isEmpty() ? new EnumMap<>(Span.class) : new EnumMap<>(spans);
    }

    /** A reboot that did not keep state. */
    public RebootResult(String vm, String engine, Method method, SwitchMode switchMode, Outcome outcome, double installMs, double startMs,
                        double endMs, List<TimedStep> steps, Map<Span, Span.Interval> spans, int generation, int chainDepth,
                        Optional<DiskHandover> diskHandover, Optional<BgShareReport> bgShare, Optional<String> serving) {
        this(vm, engine, method, switchMode, outcome, installMs, startMs, endMs, steps, spans, generation, chainDepth, diskHandover, bgShare,
                serving, Optional.empty());
    }

    /**
     * Why this result is not what its method promises (the clone serving, or the VM rebooted in
     * place): the outcome in words; empty when it is.
     */
    public Optional<String> failure() {
        return outcome instanceof Outcome.Switched || outcome instanceof Outcome.Rebooted ? Optional.empty() : Optional.of(outcome.describe());
    }

    public boolean aborted() {
        return outcome instanceof Outcome.Aborted;
    }

    /** A background reboot whose clone took over: the only result whose switch figures describe a switch. */
    public boolean switched() {
        return outcome instanceof Outcome.Switched;
    }

    public double ms(Span s) {
        Span.Interval i = spans.get(s);
        return i == null ? Double.NaN : i.ms();
    }

    /** FG disturbed by the clone: the clone point's cut. */
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

    /** The switch's first step until the new VM has its network and its persistent disk mounted. */
    public double switchMs() {
        return ms(Span.SWITCH);
    }

    /** The invariant "FG is never stopped before BG is ready" held (trivially for other methods). */
    public boolean fgStoppedAfterReady() {
        Span.Interval stopped = spans.get(Span.FG_STOPPED);
        return method != Method.BACKGROUND || stopped == null || stopped.startMs() >= bgReadyAtMs();
    }

    /** The first time {@code part} was timed. */
    public Optional<TimedStep> step(Part part) {
        return steps.stream().filter(s -> s.part() == part).findFirst();
    }
}
