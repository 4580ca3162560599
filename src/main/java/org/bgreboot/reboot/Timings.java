package org.bgreboot.reboot;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bgreboot.Progress;
import org.bgreboot.measure.RunClock;

/** Times a reboot's parts as they run, printing each and telling the listener, on the run's clock. */
final class Timings {
    private final RunClock clock;
    private final Progress progress;
    private final RebootListener listener;
    private final List<TimedStep> steps = new ArrayList<>();
    private final Map<Span, Span.Interval> spans = new EnumMap<>(Span.class);

    Timings(RunClock clock, Progress progress, RebootListener listener) {
        this.clock = clock;
        this.progress = progress;
        this.listener = listener;
    }

    double now() {
        return clock.nowMs();
    }

    <T> T step(Part part, Supplier<T> action) {
        return step(part, "", action);
    }

    <T> T step(Part part, String detail, Supplier<T> action) {
        double start = now();
        T result = action.get();
        record(new TimedStep(part, detail, start, now()));
        return result;
    }

    private void record(TimedStep s) {
        synchronized (steps) {
            steps.add(s);
        }
        progress.step(String.format("  %-30s %8.1f ms", s.label(), s.ms()));
        listener.timed(s);
    }

    /** A step whose detail is what it says it did ({@code action}'s answer), known only once it ran. */
    void stepSaying(Part part, Supplier<String> action) {
        double start = now();
        String detail = action.get();
        record(new TimedStep(part, detail, start, now()));
    }

    void step(Part part, Runnable action) {
        step(part, "", action);
    }

    void step(Part part, String detail, Runnable action) {
        step(part, detail, () -> {
            action.run();
            return null;
        });
    }

    void span(Span span, double startMs, double endMs) {
        spans.put(span, new Span.Interval(startMs, endMs));
    }

    void instant(Span span) {
        double now = now();
        span(span, now, now);
    }

    List<TimedStep> steps() {
        synchronized (steps) {
            return List.copyOf(steps);
        }
    }

    Map<Span, Span.Interval> spans() {
        return new EnumMap<>(spans);
    }
}
