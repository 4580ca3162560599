package org.bgreboot.engine.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The cgroups libvirt made for a domain's vCPUs ({@code .../vcpuN} beside the {@code emulator}
 * group its QEMU's main thread is in), found from this machine's /proc and mounts, and the time
 * their CPU ceiling held them back by the kernel's own count: cgroup v1's {@code cpu.stat
 * throttled_time} (ns), v2's {@code throttled_usec}. Only where the libvirt host is this machine;
 * elsewhere, or when they cannot be found, the count is absent and {@link #why} says why.
 */
final class VcpuCgroups {
    private final List<Path> dirs;
    private final boolean v2;
    private final String why;

    private VcpuCgroups(List<Path> dirs, boolean v2, String why) {
        this.dirs = dirs;
        this.v2 = v2;
        this.why = why;
    }

    static VcpuCgroups of(DomainInstance domain) {
        if (!domain.host().local()) {
            return absent("the libvirt host " + domain.host().uri() + " is another machine: its cgroup counters cannot be read from here");
        }
        Optional<DomainProcess> qemu = domain.process();
        if (qemu.isEmpty()) {
            return absent(domain.describe() + "'s QEMU is not among this machine's processes (libvirtd in another pid namespace?)");
        }
        Optional<Mount> mount = Mount.cpu();
        if (mount.isEmpty()) {
            return absent("no cgroup hierarchy with the cpu controller is mounted here");
        }
        Optional<String> group = qemu.get().cgroup(mount.get().v2 ? "" : "cpu");
        if (group.isEmpty() || !group.get().startsWith(mount.get().root)) {
            return absent(domain.describe() + "'s QEMU is in no cgroup of the cpu controller seen here");
        }
        Path dir = mount.get().point.resolve(group.get().substring(mount.get().root.length()).replaceFirst("^/", ""));
        Path domainDir = dir.getFileName() != null && dir.getFileName().toString().equals("emulator") ? dir.getParent() : dir;
        try (Stream<Path> s = Files.list(domainDir)) {
            List<Path> vcpus = s.filter(p -> p.getFileName().toString().matches("vcpu\\d+")).sorted().toList();
            if (vcpus.isEmpty()) {
                return absent("libvirt made no vCPU cgroups for " + domain.describe() + " under " + domainDir);
            }
            return new VcpuCgroups(vcpus, mount.get().v2, "");
        } catch (IOException e) {
            return absent("cannot list " + domainDir + " (" + e.getMessage() + ")");
        }
    }

    private static VcpuCgroups absent(String why) {
        return new VcpuCgroups(List.of(), false, why);
    }

    /** Summed over the vCPUs, µs; empty where absent or unreadable (the domain ended: its cgroups went with it). */
    OptionalLong throttledMicros() {
        if (dirs.isEmpty()) {
            return OptionalLong.empty();
        }
        long sum = 0;
        for (Path d : dirs) {
            OptionalLong t = counter(d.resolve("cpu.stat"));
            if (t.isEmpty()) {
                return OptionalLong.empty();
            }
            sum += t.getAsLong();
        }
        return OptionalLong.of(sum);
    }

    private OptionalLong counter(Path stat) {
        try {
            for (String line : Files.readAllLines(stat)) {
                String[] f = line.split(" ");
                if (f.length == 2 && f[0].equals(v2 ? "throttled_usec" : "throttled_time")) {
                    long v = Long.parseLong(f[1].strip());
                    return OptionalLong.of(v2 ? v : v / 1000);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return OptionalLong.empty();
    }

    /** Why the count is absent; empty when it is there. */
    String why() {
        return why;
    }

    /** Where this machine mounts the cpu controller's hierarchy: v1's {@code cpu} first, else the unified one if it has the controller. */
    private record Mount(Path point, String root, boolean v2) {
        static Optional<Mount> cpu() {
            try {
                Optional<Mount> unified = Optional.empty();
                for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                    String[] f = line.split(" ");
                    int dash = List.of(f).indexOf("-");
                    if (dash < 0 || dash + 3 >= f.length) {
                        continue;
                    }
                    String type = f[dash + 1];
                    if (type.equals("cgroup") && List.of(f[dash + 3].split(",")).contains("cpu")) {
                        return Optional.of(new Mount(Path.of(f[4]), f[3], false));
                    }
                    Path point = Path.of(f[4]);
                    if (type.equals("cgroup2") && unified.isEmpty() && Files.exists(point.resolve("cgroup.controllers"))
                            && List.of(Files.readString(point.resolve("cgroup.controllers")).strip().split(" ")).contains("cpu")) {
                        unified = Optional.of(new Mount(point, f[3], true));
                    }
                }
                return unified;
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }
}
