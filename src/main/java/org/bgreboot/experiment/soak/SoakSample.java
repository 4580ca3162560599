package org.bgreboot.experiment.soak;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bgreboot.engine.Vm;
import java.util.stream.Stream;

/**
 * What the soak watches for leaks, read from /proc and the JVM: this bgreboot JVM's own open file
 * descriptors, threads and heap after a full GC, the host's available memory, and sockets left in
 * a VM's state directory.
 */
public record SoakSample(int jvmFds, int jvmThreads, double heapAfterGcMiB, double hostMemAvailableMiB) {

    /** Takes a sample of this JVM and the host; runs the GC (twice, settling in between) first. */
    public static SoakSample take() {
        for (int i = 0; i < 2; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
        return new SoakSample(openFds(), ManagementFactory.getThreadMXBean().getThreadCount(), heap, readHostMemAvailableMiB());
    }

    /** Open file descriptors of this process (/proc/self/fd, less the one listing it). */
    static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** MemAvailable from /proc/meminfo, MiB; NaN where there is none. */
    public static double readHostMemAvailableMiB() {
        return meminfoKiB(Path.of("/proc/meminfo"), "MemAvailable:") / 1024.0;
    }

    /** Every socket under a VM's state directory (only the serving QEMU's belong there). */
    public static List<Path> sockets(Vm vm) {
        if (!Files.isDirectory(vm.stateDir().path())) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(vm.stateDir().path())) {
            return s.filter(p -> isSocket(p) || p.getFileName().toString().endsWith(".sock")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean isSocket(Path p) {
        try {
            return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException e) {
            return false;
        }
    }

    private static double meminfoKiB(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return Double.parseDouble(line.substring(key.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone or unreadable
        }
        return Double.NaN;
    }
}
