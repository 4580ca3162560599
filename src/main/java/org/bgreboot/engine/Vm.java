package org.bgreboot.engine;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;
import org.bgreboot.state.VmState;

/**
 * A VM as an engine runs it: its spec, bgreboot's state directory for it (journal, lock), and the
 * instances that run it. The reboot flow asks it to clone, launch a clone, promote it, and to find
 * any instance again by its {@link InstanceId} after a crash.
 */
public interface Vm {

    VmSpec spec();

    /** bgreboot's own records of the VM: journal, lock. */
    StateDir stateDir();

    /** The engine's name, for messages and results. */
    String engine();

    /**
     * How the spec now differs from what the serving instance was started with (its persistent
     * disk, network identity, memory...), one line each; empty when it runs as specified or not at all.
     */
    List<String> specDrift();

    /** The instance that serves, if one runs. */
    Optional<Instance> serving();

    /** Every instance of this VM that really runs now: the serving one and any other (a clone left by a crash). */
    List<Instance> instances();

    Optional<Instance> instance(InstanceId id);

    /** The VM's generation, the layers it runs on, the kernel it boots; made on first use. */
    VmState state();

    /**
     * Boots the VM from its disks as {@code state} describes them and makes that instance the
     * serving one (it must not be running). Returns at once; readiness is the caller's to await.
     */
    Instance coldBoot(VmState state, String why, Progress progress);

    /** Powers every instance off cleanly (agent, then ACPI, then hard), leaving none running. */
    void stop(Duration timeout, Progress progress);

    /** Forgets the layers the VM has run on: the next boot begins from its images again. */
    void reset();

    /** The names of the clone a reboot from {@code state} will create. */
    ClonePlan planClone(Instance fg, VmState state);

    ClonePoint clonePoint();

    /**
     * Starts the clone on its layers, paused, isolates its network, then lets it run at
     * {@code share}: it never executes an instruction with its link up.
     */
    Instance launchClone(ClonePlan plan, VmState cloneState, CpuShare share);

    /**
     * Work a clone can do before the switch so the switch itself is short (under TCG: translating
     * the guest's hot-plug path once). Best effort; undone by {@link #afterSwitch}.
     */
    default void beforeSwitch(Instance clone) { }

    default void afterSwitch(Instance serving) { }

    /** The instance is the VM now, running {@code state}; the next cold boot boots the same. */
    void promote(Instance instance, VmState state);

    /** Removes what remains of an instance that no longer runs (its runtime files, its definition). */
    void forget(InstanceId id);

    /** Free space where the clone's layers go, and where that is. */
    FreeSpace freeSpace();

    record FreeSpace(long bytes, String where) {}

    /** How many layers the serving system disk's backing chain has: it must stay short. */
    int chainDepth();

    /** What should not be there when no reboot is under way: other instances, stray files. */
    List<String> leftovers();

    /** Whether an instance's whole state can be saved and restored (the paper-faithful switch). */
    default boolean savesState() {
        return false;
    }

    /** Whole-VM checkpoints, where the engine can make them. */
    default Optional<Checkpoints> checkpoints() {
        return Optional.empty();
    }
}
