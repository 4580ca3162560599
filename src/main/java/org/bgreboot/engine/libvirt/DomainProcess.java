package org.bgreboot.engine.libvirt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A domain's QEMU process as this machine's /proc shows it, where the libvirt host is this machine:
 * found by the domain's UUID on its command line ({@code -uuid}, which libvirt always passes and no
 * two domains share), and told apart from a later process that reuses its pid by its start time.
 * libvirt's API names no pid; its runtime state (the domain's pid file) may sit in a mount namespace
 * of the daemon's own. Absent where the daemon runs in another pid namespace or on another machine.
 */
record DomainProcess(long pid, long startTicks) {
    private static final Path PROC = Path.of("/proc");

    /** The QEMU process of the domain with {@code uuid}, found by one pass over /proc (a few ms: done before the switch). */
    static Optional<DomainProcess> of(String uuid) {
        byte[] wanted = ("-uuid\0" + uuid + "\0").getBytes(StandardCharsets.US_ASCII);
        try (DirectoryStream<Path> all = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : all) {
                byte[] cmdline;
                try {
                    cmdline = Files.readAllBytes(p.resolve("cmdline"));
                } catch (IOException gone) {
                    continue;
                }
                if (contains(cmdline, wanted)) {
                    long pid = Long.parseLong(p.getFileName().toString());
                    Optional<long[]> stat = stat(pid);
                    if (stat.isPresent()) {
                        return Optional.of(new DomainProcess(pid, stat.get()[0]));
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * Whether it has ended, so that it holds no file: gone from /proc, its pid another process's,
     * or a zombie with no thread left (a killed QEMU's main thread turns zombie while its other
     * threads still hold its files; the last one to exit closes them).
     */
    boolean gone() {
        Optional<long[]> s = stat(pid);
        return s.isEmpty() || s.get()[0] != startTicks || s.get()[1] == 'X' || s.get()[1] == 'Z' && s.get()[2] <= 1;
    }

    /** Its cgroup path in the hierarchy {@code controller} ("" for the unified one), as /proc/PID/cgroup says. */
    Optional<String> cgroup(String controller) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(pid + "/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && (controller.isEmpty() ? f[0].equals("0") && f[1].isEmpty() : java.util.List.of(f[1].split(",")).contains(controller))) {
                    return Optional.of(f[2]);
                }
            }
        } catch (IOException e) {
            // gone
        }
        return Optional.empty();
    }

    /** Start time (clock ticks since boot), state letter and thread count from /proc/PID/stat. */
    private static Optional<long[]> stat(long pid) {
        try {
            String s = Files.readString(PROC.resolve(pid + "/stat"), StandardCharsets.US_ASCII);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new long[] {Long.parseLong(f[19]), f[0].charAt(0), Long.parseLong(f[17])}); // fields 22, 3 and 20
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
