package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bgreboot.state.Durable;
import org.bgreboot.state.StateDir;

/**
 * A VM's {@code run/} directory: one {@link RuntimeDir} per QEMU process ({@code g<N>} for the
 * generation it booted, {@code g<N>-restored} for a clone loaded from saved state), and
 * {@code run/current} pointing at the serving one.
 */
final class Runtimes {
    private final Path run;

    Runtimes(StateDir state) {
        this.run = state.run();
    }

    static String name(int generation) {
        return "g" + generation;
    }

    static String restoredName(int generation) {
        return name(generation) + "-restored";
    }

    RuntimeDir of(String name) {
        return new RuntimeDir(run.resolve(name));
    }

    RuntimeDir of(int generation) {
        return of(name(generation));
    }

    RuntimeDir create(String name) {
        RuntimeDir r = of(name);
        StateDir.mkdir700(run);
        StateDir.mkdir700(r.dir());
        return r;
    }

    /** Every runtime directory (not the {@code current} link). */
    List<RuntimeDir> all() {
        if (!Files.isDirectory(run)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(run)) {
            return dirs.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)).sorted().map(RuntimeDir::new).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + run, e);
        }
    }

    /** The runtime directory of the serving process, if any. */
    Optional<RuntimeDir> current() {
        Path link = run.resolve("current");
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        try {
            Path target = run.resolve(Files.readSymbolicLink(link));
            return Files.isDirectory(target) ? Optional.of(new RuntimeDir(target)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Atomically points run/current at the given runtime directory (symlink, then rename). */
    void setCurrent(RuntimeDir r) {
        try {
            Path tmp = Files.createTempFile(run, "current.", ".tmp"); // unique: two commands never share it
            Files.delete(tmp);
            Files.createSymbolicLink(tmp, r.dir().getFileName());
            Files.move(tmp, run.resolve("current"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + run.resolve("current"), e);
        }
    }

    void clearCurrent() {
        try {
            Files.deleteIfExists(run.resolve("current"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a runtime directory whose QEMU has exited (its sockets, logs, pid file). */
    void remove(RuntimeDir r) {
        Durable.deleteTree(r.dir());
    }
}
