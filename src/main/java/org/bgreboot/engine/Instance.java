package org.bgreboot.engine;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import org.bgreboot.agent.GuestAgent;

/**
 * One running instance of a VM: a QEMU process, a libvirt domain. The serving one is FG; a clone
 * booting the update beside it is BG. Its network, CPU and persistent disk are roles of their own.
 * Closing it closes bgreboot's connections, not the instance.
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

    /** What the hypervisor says of it: running, paused, shutdown... */
    String runState();

    /** Engine-specific facts for {@code vm status}: accelerator, start time, generation. */
    Map<String, String> details();

    /** Asks the guest to power off; false when the request could not be delivered. */
    boolean requestPowerOff(PowerOffRequest how);

    /** Waits for the instance to end; true if it did within {@code timeout}. */
    boolean awaitExit(Duration timeout);

    /**
     * Ends the instance at once; nothing of it is kept. Whether it still holds the persistent disk's
     * image is {@link InstanceDisk#awaitReleased}'s to tell.
     */
    void kill();

    /** Resumes a guest that the hypervisor paused (a failed disk write, a save in progress). */
    void resumeIfPaused();

    InstanceNetwork network();

    InstanceCpu cpu();

    InstanceDisk persistentDisk();

    /** Bytes the instance has read from storage, not the page cache; empty where unknown. */
    OptionalLong storageReadBytes();

    @Override void close();
}
