package org.bgreboot.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The private homes of earlier test JVMs ({@code bgreboot-it-*} in the temp folder, a few GiB each:
 * overlays, persistent disks, logs). A home whose JVM has ended is removed when the next one starts,
 * but the newest of them, kept for a look after a failure; a home whose JVM still runs (another
 * checkout's run) is never touched. Without this, every whole run left ~5 GiB behind.
 */
final class FinishedHomes {
    static final String PREFIX = "bgreboot-it-";
    private static final String OWNER = "owner.pid";

    private FinishedHomes() {}

    /** Marks {@code home} as this JVM's. */
    static void own(Path home) {
        try {
            Files.writeString(home.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the finished homes beside {@code mine}, all but the newest; returns how many went. */
    static int removeBeside(Path mine) {
        List<Path> finished;
        try (Stream<Path> all = Files.list(mine.getParent())) {
            finished = all.filter(p -> p.getFileName().toString().startsWith(PREFIX) && !p.equals(mine) && Files.isDirectory(p))
                    .filter(FinishedHomes::finished)
                    .sorted(Comparator.comparing(FinishedHomes::modified).reversed())
                    .toList();
        } catch (IOException e) {
            return 0;
        }
        int removed = 0;
        for (Path p : finished.subList(Math.min(1, finished.size()), finished.size())) {
            if (delete(p)) {
                removed++;
            }
        }
        return removed;
    }

    /** Its JVM has ended; a home without a mark (made before marks) counts as finished once a day old. */
    private static boolean finished(Path home) {
        try {
            long pid = Long.parseLong(Files.readString(home.resolve(OWNER)).strip());
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (IOException | NumberFormatException e) {
            return System.currentTimeMillis() - modified(home) > 24 * 3600_000L;
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
        return !Files.exists(dir);
    }
}
