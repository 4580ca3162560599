package org.bgreboot.reboot;

import org.bgreboot.engine.Instance;

/**
 * Hears a reboot as values: its phases, its steps (journaled, about to act), its timed parts, the
 * moments experiments align with (the clone's launch and readiness), and its outcome. Times are
 * RunClock ms. Called on the reboot's threads: return quickly. Nothing needs to read progress text.
 */
public interface RebootListener {
    RebootListener NONE = new RebootListener() { };

    /** The reboot entered {@code phase}. */
    default void phase(Phase phase, double atMs) { }

    /** {@code step} is journaled and about to act. */
    default void step(Step step, double atMs) { }

    /** A part of a step was timed. */
    default void timed(TimedStep part) { }

    /** The clone runs (it is about to execute its first instruction). */
    default void cloneLaunched(Instance clone, double atMs) { }

    /** Every readiness check of the clone passed. */
    default void cloneReady(double atMs) { }

    /** The reboot gave up before the switch. */
    default void aborted(double atMs) { }

    /** How the reboot ended. */
    default void outcome(Outcome outcome) { }

    /** Both, in order. */
    default RebootListener and(RebootListener other) {
        RebootListener first = this;
        return new RebootListener() {
            @Override public void phase(Phase p, double atMs) {
                first.phase(p, atMs);
                other.phase(p, atMs);
            }

            @Override public void step(Step s, double atMs) {
                first.step(s, atMs);
                other.step(s, atMs);
            }

            @Override public void timed(TimedStep part) {
                first.timed(part);
                other.timed(part);
            }

            @Override public void cloneLaunched(Instance clone, double atMs) {
                first.cloneLaunched(clone, atMs);
                other.cloneLaunched(clone, atMs);
            }

            @Override public void cloneReady(double atMs) {
                first.cloneReady(atMs);
                other.cloneReady(atMs);
            }

            @Override public void aborted(double atMs) {
                first.aborted(atMs);
                other.aborted(atMs);
            }

            @Override public void outcome(Outcome o) {
                first.outcome(o);
                other.outcome(o);
            }
        };
    }
}
