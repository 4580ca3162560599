package org.bgreboot.bench;

import org.bgreboot.Progress;
import org.bgreboot.measure.RunClock;

/**
 * Tells when a background reboot's clone is booting, from the flow's progress lines ("BG_BOOT"
 * before the clone is launched, "clone ready after" once it is ready, "SWITCH"/"ABORT" after), and
 * passes every line on. A stopgap until the flow offers a phase listener of its own.
 */
final class InterferenceCloneWatch implements Progress {
    private final Progress delegate;
    private final RunClock clock;
    private volatile double launchedAtMs = Double.NaN;
    private volatile double endedAtMs = Double.NaN;
    private volatile boolean ready;

    InterferenceCloneWatch(Progress delegate, RunClock clock) {
        this.delegate = delegate;
        this.clock = clock;
    }

    @Override public void step(String text) {
        double now = clock.nowMs(); // before printing: the printer may block
        String t = text.strip();
        if (t.startsWith("BG_BOOT") && Double.isNaN(launchedAtMs)) {
            launchedAtMs = now;
        } else if (!Double.isNaN(launchedAtMs) && Double.isNaN(endedAtMs)
                && (t.startsWith("clone ready after") || t.startsWith("SWITCH") || t.startsWith("ABORT"))) {
            ready = t.startsWith("clone ready after") || t.startsWith("SWITCH");
            endedAtMs = now;
        }
        delegate.step(text);
    }

    boolean launched() {
        return !Double.isNaN(launchedAtMs);
    }

    /** The clone no longer boots: it is ready, or the reboot gave up. */
    boolean ended() {
        return !Double.isNaN(endedAtMs);
    }

    /** Whether the boot had ended by {@code ms} (RunClock ms). */
    boolean endedBy(double ms) {
        return ended() && endedAtMs <= ms;
    }

    boolean ready() {
        return ready;
    }
}
