package org.bgreboot.engine.libvirt;

import java.time.Duration;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.engine.InstanceDisk;

/**
 * A domain's side of the VM's persistent disk: hot-plugged into a clone at the switch (a swap under
 * a device would change it behind libvirt's back), once the old domain has let go of it as seen
 * from outside ({@link Handover#awaitReleased}).
 */
final class DomainDisk implements InstanceDisk {
    private final DomainInstance domain;
    private final DomainDisks disks;
    private final Handover handover;

    DomainDisk(DomainInstance domain, DomainDisks disks, Handover handover) {
        this.domain = domain;
        this.disks = disks;
        this.handover = handover;
    }

    @Override public boolean attached() {
        return disks.persistent(domain.liveXml()).isPresent();
    }

    /** Its QEMU gone from this machine's /proc, else libvirt's destroy returned: see {@link Handover#awaitReleased}. */
    @Override public void awaitReleased(Duration timeout) {
        handover.awaitReleased(domain, timeout);
    }

    /**
     * Hot-plugs the persistent disk as the VM's definition has it (same address, same serial). By
     * the guest contract nothing in the clone uses the disk before the attach hook starts it.
     */
    @Override public DiskHandover take() {
        return handover.plug(domain);
    }

    /** The hot-plug itself; one the domain has already (a try cut short by a lost connection) is not made again. */
    void attachLive(String diskXml) {
        domain.call("cannot hot-plug the persistent disk into " + domain.describe(), d -> {
            if (disks.persistent(DomainXml.parse(d.getXMLDesc(0))).isEmpty()) {
                d.attachDeviceFlags(diskXml, DomainInstance.DEVICE_LIVE);
            }
            return null;
        });
    }
}
