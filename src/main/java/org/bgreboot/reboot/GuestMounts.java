package org.bgreboot.reboot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.agent.MountedFs;

/**
 * Which of the guest's filesystems live on which disks, told apart by the disks' serials: the clone
 * freezes those not on the persistent disk (which is not cloned and keeps taking writes), and a
 * release by freeze freezes those on it. Asked outside FG's pauses.
 */
final class GuestMounts {
    private GuestMounts() {}

    /** The mountpoints of the system disks: every disk but the persistent one; empty when the guest cannot tell (freeze all). */
    static Optional<List<String>> system(GuestAgent agent, String persistentSerial, Duration timeout) {
        return on(agent, serial -> !serial.equals(persistentSerial), timeout);
    }

    /** The mountpoints of the persistent disk; empty when it is not mounted or cannot be told apart. */
    static Optional<List<String>> persistent(GuestAgent agent, String persistentSerial, Duration timeout) {
        return on(agent, serial -> serial.equals(persistentSerial), timeout);
    }

    /** Mountpoints whose every disk's serial passes {@code test}; empty when none or a serial cannot be read. */
    private static Optional<List<String>> on(GuestAgent agent, Predicate<String> test, Duration timeout) {
        List<String> found = new ArrayList<>();
        Map<String, String> serials = new HashMap<>();
        for (MountedFs fs : agent.fsInfo(timeout)) {
            if (fs.disks().isEmpty()) {
                continue; // proc, tmpfs...: no disk
            }
            boolean all = true;
            for (MountedFs.Disk d : fs.disks()) {
                String serial = d.serial() != null ? d.serial()
                        : d.dev() == null ? null : serials.computeIfAbsent(d.dev(), dev -> sysfsSerial(agent, dev, timeout));
                if (serial == null) {
                    return Optional.empty();
                }
                all &= test.test(serial);
            }
            if (all) {
                found.add(fs.mountpoint());
            }
        }
        return found.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(found));
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
