package org.bgreboot.engine.embedded;

import java.time.Duration;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.engine.InstanceDisk;

/** A QEMU process's side of the persistent disk: swapped under its placeholder device, or hot-plugged. */
final class QemuDisk implements InstanceDisk {
    private final QemuProcess process;

    QemuDisk(QemuProcess process) {
        this.process = process;
    }

    @Override public boolean attached() {
        return PersistentDiskPlug.plugged(process.qmp());
    }

    /** Whether the persistent disk's device is there already (the serving VM's, or a clone's placeholder). */
    boolean devicePresent() {
        return PersistentDiskPlug.devicePresent(process.qmp());
    }

    /**
     * A QEMU holds its images until its last thread is gone (the main thread turns zombie while
     * others still hold them): gone from /proc, it holds nothing.
     */
    @Override public void awaitReleased(Duration timeout) {
        if (!process.awaitExit(timeout)) {
            throw new IllegalStateException("QEMU " + process.describe() + " still runs " + timeout.toMillis()
                    + " ms after its kill: the persistent disk stays where it is");
        }
    }

    @Override public DiskHandover take() {
        return PersistentDiskPlug.plug(process.qmp(), process.spec());
    }
}
