package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.bgreboot.engine.Capability;
import org.bgreboot.engine.CpuCeiling;

/**
 * A ceiling on the CPU time of some threads (a clone's vCPUs), through a cgroup of the cpu
 * controller: v1's {@code cpu.cfs_quota_us}, or v2's {@code cpu.max} where the unified hierarchy
 * has the controller. The cgroup sits beside bgreboot's own and is named after the instance, so a
 * later bgreboot (recovery) can dissolve one that a killed one left.
 *
 * <p>The cgroup itself is made idle ({@code cpu.idle}, Linux 5.15 on; else the smallest weight).
 * A thread's SCHED_IDLE counts only among the threads of its own group: in a group of default
 * weight the clone's idle vCPUs competed with FG as a normal task would, up to the ceiling.
 */
final class CpuCap implements CpuCeiling {
    private static final long PERIOD_US = 100_000;

    private final Path dir;
    private final boolean v2;

    private CpuCap(Path dir, boolean v2) {
        this.dir = dir;
        this.v2 = v2;
    }

    /**
     * Puts {@code tids} in the cgroup {@code name}, made if needed. Absent, with why, where no cpu
     * controller is at hand or the host refuses to move single threads (a v2 hierarchy whose
     * cgroups cannot be made threaded): the clone then runs at idle priority only, and says so.
     */
    static Capability<CpuCeiling> of(String name, List<Long> tids) {
        Optional<CpuCap> located = locate(name);
        if (located.isEmpty()) {
            return Capability.absent("no cgroup hierarchy with the cpu controller is mounted");
        }
        CpuCap c = located.get();
        try {
            Files.createDirectories(c.dir);
            if (c.v2) {
                Files.writeString(c.dir.resolve("cgroup.type"), "threaded"); // v2 moves single threads only into threaded cgroups
            }
            c.makeIdle();
            for (Long tid : tids) {
                Files.writeString(c.dir.resolve(c.v2 ? "cgroup.threads" : "tasks"), tid.toString());
            }
            return Capability.of(c);
        } catch (IOException e) {
            try {
                dissolve(name);
            } catch (IllegalStateException left) {
                e.addSuppressed(left);
            }
            return Capability.absent("the host refused to put the clone's vCPU threads in the cgroup " + c.dir + " (" + e.getMessage() + ")");
        }
    }

    /** The group as a whole yields to every other task of its parent: cpu.idle, or the least weight. */
    private void makeIdle() throws IOException {
        Path idle = dir.resolve("cpu.idle");
        if (Files.exists(idle)) {
            Files.writeString(idle, "1");
        } else if (v2) {
            Files.writeString(dir.resolve("cpu.weight"), "1");
        } else {
            Files.writeString(dir.resolve("cpu.shares"), "2");
        }
    }

    /** At most {@code fraction} of one CPU for the threads together; 1 or more: no ceiling. */
    @Override public void set(double fraction) {
        try {
            if (v2) {
                Files.writeString(dir.resolve("cpu.max"), fraction >= 1 ? "max " + PERIOD_US : (long) (fraction * PERIOD_US) + " " + PERIOD_US);
            } else {
                Files.writeString(dir.resolve("cpu.cfs_period_us"), String.valueOf(PERIOD_US));
                Files.writeString(dir.resolve("cpu.cfs_quota_us"), fraction >= 1 ? "-1" : String.valueOf(Math.max(1000, (long) (fraction * PERIOD_US))));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot set the CPU ceiling in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The kernel's own count of the time the ceiling held the threads back: v2 {@code throttled_usec}, v1 {@code throttled_time} (ns). */
    @Override public OptionalLong throttledMicros() {
        try {
            for (String line : Files.readAllLines(dir.resolve("cpu.stat"))) {
                String[] f = line.split(" ");
                if (f.length == 2 && f[0].equals(v2 ? "throttled_usec" : "throttled_time")) {
                    long v = Long.parseLong(f[1].strip());
                    return OptionalLong.of(v2 ? v : v / 1000);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // dissolved already, or no such counter on this kernel
        }
        return OptionalLong.empty();
    }

    /** Moves every thread back to the parent cgroup and removes this one; nothing if it is not there. */
    static void dissolve(String name) {
        locate(name).filter(c -> Files.isDirectory(c.dir)).ifPresent(c -> {
            Path parentTasks = c.dir.getParent().resolve(c.v2 ? "cgroup.threads" : "tasks");
            try {
                for (String tid : Files.readAllLines(c.dir.resolve(c.v2 ? "cgroup.threads" : "tasks"))) {
                    try {
                        Files.writeString(parentTasks, tid.strip());
                    } catch (IOException e) {
                        // the thread ended meanwhile
                    }
                }
                Files.delete(c.dir);
            } catch (IOException e) {
                throw new IllegalStateException("cannot remove the cgroup " + c.dir + ": " + e.getMessage(), e);
            }
        });
    }

    /** The cgroup {@code name} beside bgreboot's own in the cpu controller's hierarchy (v1 first, then v2). */
    private static Optional<CpuCap> locate(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (dash < 0 || dash + 3 >= f.length) {
                    continue;
                }
                String type = f[dash + 1];
                Path mount = Path.of(f[4]);
                if (type.equals("cgroup") && List.of(f[dash + 3].split(",")).contains("cpu")) {
                    return Optional.of(new CpuCap(mount.resolve(ownPath("cpu")).resolve(name), false));
                }
                if (type.equals("cgroup2") && Files.exists(mount.resolve("cgroup.controllers"))
                        && Files.readString(mount.resolve("cgroup.controllers")).contains("cpu")) {
                    return Optional.of(new CpuCap(mount.resolve(ownPath("")).resolve(name), true));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** bgreboot's own cgroup path in a hierarchy ({@code /proc/self/cgroup}), relative. */
    private static String ownPath(String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && (controller.isEmpty() ? f[0].equals("0") : List.of(f[1].split(",")).contains(controller))) {
                return f[2].replaceFirst("^/", "");
            }
        }
        return "";
    }
}
