package org.bgreboot.fleet;

import java.util.Optional;

/**
 * Asked before each VM's reboot starts (after a resumed roll has recovered it): empty to start it,
 * else why not now. A VM held so stays pending in the roll's journal, and a resume of the roll
 * starts it later. The watch holds VMs outside its maintenance windows and while a veto says no.
 */
@FunctionalInterface
public interface RollGate {
    RollGate OPEN = vm -> Optional.empty();

    Optional<String> holdBefore(PlannedVm vm);

    /**
     * Asked first: empty to go on to {@link #holdBefore}, else why the VM is no longer part of the
     * roll (it needs no reboot any more, say); it is journaled as skipped.
     */
    default Optional<String> dropBefore(PlannedVm vm) {
        return Optional.empty();
    }
}
