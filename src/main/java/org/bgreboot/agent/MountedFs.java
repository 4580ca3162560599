package org.bgreboot.agent;

import java.util.List;

/**
 * A mounted filesystem in the guest and the disks under it. The agent knows a disk's serial only
 * where udev runs in the guest; its device node ({@code /dev/vda}) is known always.
 */
public record MountedFs(String mountpoint, String type, List<Disk> disks) {
    public MountedFs {
        disks = List.copyOf(disks);
    }

    /** @param dev the device node, or null; @param serial the disk's serial, or null if unknown */
    public record Disk(String dev, String serial) {}
}
