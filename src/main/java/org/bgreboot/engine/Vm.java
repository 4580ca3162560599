package org.bgreboot.engine;

import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;
import org.bgreboot.state.VmState;

/**
 * A VM as an engine runs it: its spec, bgreboot's state directory for it (journal, lock), and the
 * instances that run it. The reboot flow asks it to clone, launch a clone, promote it, and to find
 * any instance again by its {@link InstanceId} after a crash. Optional parts are {@link Capability}s.
 */
public interface Vm {

    VmSpec spec();

    /** bgreboot's own records of the VM: journal, lock. */
    StateDir stateDir();

    /** The engine's name, for messages and results. */
    String engine();

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

    /** The instance is the VM now, running {@code state}; the next cold boot boots the same. */
    void promote(Instance instance, VmState state);

    /** Removes what remains of an instance that no longer runs (its runtime files, its definition). */
    void forget(InstanceId id);

    VmInspection inspection();

    /** The paper-faithful switch's save and restore. */
    Capability<StateSaving> stateSaving();

    /** Whole-VM checkpoints, for experiments. */
    Capability<Checkpoints> checkpoints();

    /** What a clone can rehearse before the switch. */
    Capability<SwitchRehearsal> rehearsal();
}
