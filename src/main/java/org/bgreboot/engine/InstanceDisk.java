package org.bgreboot.engine;

import java.time.Duration;

/**
 * An instance's side of the VM's persistent disk, which is never open read-write in two processes:
 * the old instance lets go of it (after its kill), and only then does the new one take it.
 */
public interface InstanceDisk {

    /** Whether the VM's persistent disk is attached to this instance now. */
    boolean attached();

    /**
     * Returns once this instance, killed, holds the disk's image no more, as seen from outside
     * (its process gone, its open files closed), never by opening the image. Throws if that is not
     * seen within {@code timeout}: the disk must then not be given to another instance.
     */
    void awaitReleased(Duration timeout);

    /**
     * Gives this instance the VM's persistent disk. Safe to repeat: a half-done attempt (bgreboot
     * killed midway) is completed first. Call only once the instance that had it has released it.
     */
    DiskHandover take();
}
