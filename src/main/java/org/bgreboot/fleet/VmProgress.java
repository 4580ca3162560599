package org.bgreboot.fleet;

import java.util.Optional;

/**
 * Where one VM of a roll stands, journaled at each change: pending, running (its reboot under
 * way, or interrupted: resume recovers it), then its reboot's outcome (switched, aborted: the VM
 * kept serving unchanged, cold-booted, down), failed (bgreboot could not run it), or skipped.
 * {@code generationBefore} tells a resumed roll whether a recovered reboot completed;
 * {@code figures} are its reboot's, once it has ended.
 */
public record VmProgress(String vm, String host, State state, String detail, int generationBefore, Optional<VmFigures> figures) {
    public enum State {
        PENDING, RUNNING, SWITCHED, ABORTED, COLD_BOOTED, DOWN, FAILED, SKIPPED;

        /** A reboot's outcome as the roll's state (an in-place reboot's counts as a switch: the VM serves the update). */
        static State of(org.bgreboot.reboot.Outcome o) {
            return switch (o.kind()) {
                case SWITCHED, REBOOTED -> SWITCHED;
                case ABORTED -> ABORTED;
                case COLD_BOOTED -> COLD_BOOTED;
                case DOWN -> DOWN;
            };
        }
    }

    public VmProgress {
        figures = figures == null ? Optional.empty() : figures;
    }

    static VmProgress pending(String vm, String host) {
        return new VmProgress(vm, host, State.PENDING, "", -1, Optional.empty());
    }

    VmProgress with(State s, String why) {
        return new VmProgress(vm, host, s, why, generationBefore, figures);
    }

    VmProgress started(int generation) {
        return new VmProgress(vm, host, State.RUNNING, "", generation, Optional.empty());
    }

    /** Ended by a reboot, with its figures. */
    VmProgress finished(State s, String why, VmFigures f) {
        return new VmProgress(vm, host, s, why, generationBefore, Optional.of(f));
    }

    /** Ended without a reboot (failed to start one, skipped). */
    VmProgress finished(State s, String why) {
        return new VmProgress(vm, host, s, why, generationBefore, Optional.empty());
    }

    boolean finished() {
        return state != State.PENDING && state != State.RUNNING;
    }

    /** Finished, and not by a switch: what --on-failure acts on. */
    boolean failed() {
        return finished() && state != State.SWITCHED && state != State.SKIPPED;
    }
}
