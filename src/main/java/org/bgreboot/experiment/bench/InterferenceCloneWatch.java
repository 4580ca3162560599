package org.bgreboot.experiment.bench;

import java.util.Optional;
import org.bgreboot.engine.Instance;
import org.bgreboot.reboot.RebootListener;

/** Tells when a background reboot's clone is booting, and which it is, from the flow's listener. */
final class InterferenceCloneWatch implements RebootListener {
    private volatile double launchedAtMs = Double.NaN;
    private volatile double endedAtMs = Double.NaN;
    private volatile Instance clone;
    private volatile boolean ready;
    private volatile double readMiB = Double.NaN;

    @Override public void cloneLaunched(Instance launched, double atMs) {
        clone = launched;
        launchedAtMs = atMs;
    }

    @Override public void cloneReady(double atMs) {
        ready = true;
        endedAtMs = atMs;
        if (clone != null) {
            clone.storageReadBytes().ifPresent(b -> readMiB = b / (1024.0 * 1024.0));
        }
    }

    /** What the clone read from storage by the time it was ready, MiB; NaN where unknown. */
    double readMiB() {
        return readMiB;
    }

    @Override public void aborted(double atMs) {
        if (Double.isNaN(endedAtMs)) {
            endedAtMs = atMs;
        }
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

    Optional<Instance> launchedClone() {
        return Optional.ofNullable(clone);
    }
}
