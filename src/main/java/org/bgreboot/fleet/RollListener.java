package org.bgreboot.fleet;

import org.bgreboot.reboot.RebootListener;

/**
 * Hears a roll as values: each VM's reboot as it runs (its phases, parts and outcome), and each
 * VM's progress once it is journaled at an end (switched, aborted, cold-booted, down, failed,
 * skipped) or held (pending: the gate said not now, or the roll was stopped). Metrics and
 * notifications are made from these, never from progress text. Called on the roll's threads.
 */
public interface RollListener {
    RollListener NONE = new RollListener() { };

    /** A listener for {@code vm}'s reboot, which starts now. */
    default RebootListener reboot(PlannedVm vm) {
        return RebootListener.NONE;
    }

    /** {@code vm}'s reboot ended, or the VM was skipped or failed: as its journal now says. */
    default void finished(PlannedVm vm, VmProgress progress) { }

    /** {@code vm} was not started and stays pending: {@code why}. */
    default void held(PlannedVm vm, String why) { }
}
