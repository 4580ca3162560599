package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bgreboot.HostCommand;

/**
 * CPU and I/O priority of a QEMU process. A clone boots at SCHED_IDLE, in the idle I/O class (it
 * takes effect where the host's disk uses the BFQ scheduler) and confined to the last CPUs, as
 * many as it has vCPUs but never all of them: measured here (2 CPUs), an idle-priority load free to
 * move between CPUs still cost the serving VM ~25 % of its throughput, one kept to a CPU of its own
 * ~8 %. (Keeping the serving VM's vCPU threads off the clone's CPU as well was tried: no better,
 * within the noise.) When the clone becomes the VM it gets normal priority and every CPU back.
 */
public final class Priority {
    private Priority() {}

    /** The CPUs a clone with {@code vcpus} vCPUs runs on: the last ones, leaving at least the first free. */
    public static String cloneCpus(int vcpus) {
        return cloneCpus(vcpus, Runtime.getRuntime().availableProcessors());
    }

    static String cloneCpus(int vcpus, int n) {
        if (n < 2) {
            return "0";
        }
        int first = Math.max(1, n - vcpus);
        return first == n - 1 ? String.valueOf(first) : first + "-" + (n - 1);
    }

    /** Every CPU again, for all threads of the process. */
    public static void allCpus(long pid) {
        run(List.of("taskset", "--all-tasks", "--cpu-list", "--pid", "0-" + (Runtime.getRuntime().availableProcessors() - 1),
                String.valueOf(pid)));
    }

    /** Back to SCHED_OTHER, the best-effort I/O class and every CPU, for all threads of the process. */
    public static void restoreNormal(long pid) {
        run(List.of("chrt", "--all-tasks", "--other", "--pid", "0", String.valueOf(pid)));
        allCpus(pid);
        for (String tid : threads(pid)) {
            run(List.of("ionice", "-c", "2", "-n", "4", "-p", tid));
        }
    }

    /** Idle CPU priority, the idle I/O class and the last CPUs, for all threads of a running process. */
    public static void idle(long pid, int vcpus) {
        run(List.of("chrt", "--all-tasks", "--idle", "--pid", "0", String.valueOf(pid)));
        run(List.of("taskset", "--all-tasks", "--cpu-list", "--pid", cloneCpus(vcpus), String.valueOf(pid)));
        for (String tid : threads(pid)) {
            run(List.of("ionice", "-c", "3", "-p", tid));
        }
    }

    /** The CPUs the process's main thread may run on, as taskset lists them, e.g. 1 or 0,1. */
    public static String cpus(long pid) {
        String out = run(List.of("taskset", "--cpu-list", "--pid", String.valueOf(pid))).strip();
        return out.substring(out.lastIndexOf(':') + 1).strip();
    }

    /** The scheduling policy of the process's main thread as chrt names it, e.g. SCHED_IDLE. */
    public static String policy(long pid) {
        return run(List.of("chrt", "--pid", String.valueOf(pid))).lines()
                .filter(l -> l.contains("policy")).findFirst().map(l -> l.replaceFirst(".*policy: *", "").strip()).orElse("?");
    }

    private static List<String> threads(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return new ArrayList<>();
        }
    }

    private static String run(List<String> argv) {
        return HostCommand.run(argv).output();
    }
}
