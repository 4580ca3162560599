package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.bgreboot.engine.Capability;
import org.bgreboot.engine.CpuCeiling;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.InstanceCpu;

/** A QEMU process's scheduling: its priority and CPUs ({@link Priority}), its time on a CPU, and a cgroup ceiling on its vCPUs. */
final class QemuCpu implements InstanceCpu {
    private final QemuProcess process;
    private Capability<CpuCeiling> ceiling;

    QemuCpu(QemuProcess process) {
        this.process = process;
    }

    @Override public void share(CpuShare share) {
        if (share == CpuShare.NORMAL) {
            CpuCap.dissolve(process.capName()); // a ceiling a governor (of this bgreboot or a killed one) left
            synchronized (this) {
                ceiling = null;
            }
            Priority.restoreNormal(process.pid());
        } else {
            Priority.idle(process.pid(), process.spec().cpus());
        }
    }

    @Override public String policy() {
        return Priority.policy(process.pid()) + " on CPU " + Priority.cpus(process.pid());
    }

    /** Every thread's time on a CPU so far, from /proc/PID/task/TID/schedstat (ns, not 10-ms ticks). */
    @Override public OptionalLong usedNanos() {
        long total = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    total += Long.parseLong(Files.readString(t.resolve("schedstat")).split(" ")[0]);
                } catch (IOException | NumberFormatException e) {
                    // a thread that ended meanwhile
                }
            }
            return OptionalLong.of(total);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** The vCPU threads only: the main loop (QMP, the agent's chardev, disk I/O) stays free. Made once, on first ask. */
    @Override public synchronized Capability<CpuCeiling> ceiling() {
        if (ceiling == null) {
            List<Long> vcpus = new ArrayList<>();
            process.qmp().execute("query-cpus-fast").forEach(c -> vcpus.add(c.path("thread-id").asLong()));
            ceiling = CpuCap.of(process.capName(), vcpus);
        }
        return ceiling;
    }
}
