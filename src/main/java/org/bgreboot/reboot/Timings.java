package org.bgreboot.reboot;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bgreboot.Progress;
import org.bgreboot.measure.RunClock;

/** Times a reboot's parts as they run, printing each, on the run's clock. */
final class Timings {
    private final RunClock clock;
    private final Progress progress;
    private final List<TimedStep> steps = new ArrayList<>();
    private final Map<Span, Span.Interval> spans = new EnumMap<>(Span.class);

    Timings(RunClock clock, Progress progress) {
        this.clock = clock;
        this.progress = progress;
    }

    double now() {
        return clock.nowMs();
    }

    <T> T step(String name, Supplier<T> action) {
        double start = now();
        T result = action.get();
        TimedStep s = new TimedStep(name, start, now());
        steps.add(s);
        progress.step(String.format("  %-30s %8.1f ms", name, s.ms()));
        return result;
    }

    void step(String name, Runnable action) {
        step(name, () -> {
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
        return List.copyOf(steps);
    }

    Map<Span, Span.Interval> spans() {
        return new EnumMap<>(spans);
    }
}
