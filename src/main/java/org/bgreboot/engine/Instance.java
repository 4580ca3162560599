package org.bgreboot.engine;

import java.util.Optional;
import org.bgreboot.agent.GuestAgent;

/**
 * One running instance of a VM: a QEMU process, a libvirt domain. The serving one is FG; a clone
 * booting the update beside it is BG. Closing it closes bgreboot's connections, not the instance.
 */
public interface Instance extends AutoCloseable {

    InstanceId id();

    /** For messages: {@code pid 1234}, {@code domain web-g2}. */
    String describe();

    boolean alive();

    /** The guest agent, through whatever channel this engine has to it. */
    GuestAgent agent();

    /** Starts watching for the events that mean the guest will never become ready. */
    LifecycleWatch watch();

    Console console();

    /**
     * Ends the instance at once; nothing of it is kept. Returns once it no longer holds its disks,
     * or, where the hypervisor's own bookkeeping lags (libvirt polls for a QEMU's exit every 200 ms),
     * once the disks are about to be free and a {@link #plugPersistentDisk} elsewhere may retry on
     * the image's lock until they are: the lock, not this call, is what keeps the disk in one place.
     */
    void kill();

    /** Resumes a guest that the hypervisor paused (a failed disk write, a save in progress). */
    void resumeIfPaused();

    void share(CpuShare share);

    /** What the hypervisor says of it: running, paused, shutdown... */
    String runState();

    /** Engine-specific facts for {@code vm status}: accelerator, start time, generation. */
    default java.util.Map<String, String> details() {
        return java.util.Map.of();
    }

    /** The instance's time on a CPU so far, all its threads; empty where the engine cannot tell. */
    default java.util.OptionalLong cpuTimeNanos() {
        return java.util.OptionalLong.empty();
    }

    /**
     * A ceiling on the guest's CPU time, as a fraction of one CPU (1: none), for a clone booting
     * while FG is busy. False where the engine cannot cap.
     */
    default boolean capCpu(double fraction) {
        return false;
    }

    /** Bytes the instance has read from storage, not the page cache; empty where unknown. */
    default java.util.OptionalLong storageReadBytes() {
        return java.util.OptionalLong.empty();
    }

    /** How the host schedules the instance now, for reports: "SCHED_IDLE on CPU 1". */
    String cpuPolicy();

    /** Whether the VM's persistent disk is attached to this instance now. */
    boolean persistentDiskPlugged();

    /**
     * Gives this instance the VM's persistent disk. Safe to repeat: a half-done attempt (bgreboot
     * killed midway) is completed first. Call only once the instance that had it is killed; QEMU's
     * image lock refuses the open while that one still has it, and an engine may retry on that.
     *
     * @return how: "swap" (the device it booted with, now backed by the image), "hot-plug"
     */
    String plugPersistentDisk();

    /** Cuts the instance off its network before the switch: link down, no ports. */
    void isolateNetwork();

    /** Gives the instance the VM's network identity: link up, its ports, neighbours told. Safe to repeat. */
    void takeNetwork();

    /**
     * Lets a clone with this instance's identity take the network while this one still runs: new
     * clients reach the clone, answers to the ones this one has still reach them. Undone by
     * {@link #takeNetwork}.
     */
    default void handOverNetwork() { }

    /**
     * Waits, a moment at most, until the instance has answered what it had accepted (it has sent
     * nothing for a while), so that a kill does not leave its clients to a timeout.
     */
    default void drain() { }

    /** Undoes whatever part of {@link #takeNetwork} a clone did (a crash mid-switch), so another can take it. */
    void releaseNetwork();

    /** The engine's save-and-restore capability, if it has one. */
    default Optional<StateSaving> stateSaving() {
        return Optional.empty();
    }

    @Override void close();
}
