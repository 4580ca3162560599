package org.bgreboot.reboot;

import org.bgreboot.engine.Instance;

/**
 * Hears the moments of a background reboot that experiments align with (FG's throughput while
 * the clone boots, say). Times are RunClock ms. Called on the reboot's thread: return quickly.
 */
public interface RebootListener {
    RebootListener NONE = new RebootListener() { };

    /** The clone runs (it is about to execute its first instruction). */
    default void cloneLaunched(Instance clone, double atMs) { }

    /** Every readiness check of the clone passed. */
    default void cloneReady(double atMs) { }

    /** The reboot gave up before the switch. */
    default void aborted(double atMs) { }
}
