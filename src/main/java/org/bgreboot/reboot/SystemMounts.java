package org.bgreboot.reboot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.agent.MountedFs;

/**
 * Which of the guest's filesystems live on the system disks (serial {@code bgsystem<i>}): the
 * clone freezes only those, so the persistent disk, which is not cloned, keeps taking writes. Asked
 * before the clone, off FG's pause.
 */
final class SystemMounts {
    static final String SYSTEM_SERIAL_PREFIX = "bgsystem";

    private SystemMounts() {}

    /** The mountpoints to freeze, or empty when the guest's disks cannot be told apart (freeze all). */
    static Optional<List<String>> of(GuestAgent agent, Duration timeout) {
        List<String> system = new ArrayList<>();
        Map<String, String> serials = new HashMap<>();
        for (MountedFs fs : agent.fsInfo(timeout)) {
            if (fs.disks().isEmpty()) {
                continue; // proc, tmpfs...: nothing to freeze for the clone
            }
            boolean allSystem = true;
            for (MountedFs.Disk d : fs.disks()) {
                String serial = d.serial() != null ? d.serial()
                        : d.dev() == null ? null : serials.computeIfAbsent(d.dev(), dev -> sysfsSerial(agent, dev, timeout));
                if (serial == null) {
                    return Optional.empty();
                }
                allSystem &= serial.startsWith(SYSTEM_SERIAL_PREFIX);
            }
            if (allSystem) {
                system.add(fs.mountpoint());
            }
        }
        return system.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(system));
    }

    /** A virtio disk's serial from sysfs ({@code /dev/vda} → {@code /sys/block/vda/serial}). */
    private static String sysfsSerial(GuestAgent agent, String dev, Duration timeout) {
        String name = dev.substring(dev.lastIndexOf('/') + 1);
        try {
            return new String(agent.readFile("/sys/block/" + name + "/serial", timeout)).strip();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
