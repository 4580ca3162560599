package org.bgreboot.reboot;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bgreboot.Progress;
import org.bgreboot.measure.PhaseMark;
import org.bgreboot.measure.RunClock;

/** Collects the timed steps and phases of one reboot and reports each as it ends. */
final class Timings {
    private final RunClock clock;
    private final Progress progress;
    private final List<Step> steps = new ArrayList<>();
    private final List<PhaseMark> phases = new ArrayList<>();

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
        Step s = new Step(name, start, now());
        steps.add(s);
        progress.step(String.format("  %-28s %8.1f ms", name, s.ms()));
        return result;
    }

    void step(String name, Runnable action) {
        step(name, () -> {
            action.run();
            return null;
        });
    }

    void phase(String name, double startMs, double endMs) {
        phases.add(new PhaseMark(name, startMs, endMs));
    }

    double sum(String... names) {
        double total = 0;
        for (String n : names) {
            total += steps.stream().filter(s -> s.name().equals(n)).mapToDouble(Step::ms).sum();
        }
        return total;
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    List<PhaseMark> phases() {
        return List.copyOf(phases);
    }
}
