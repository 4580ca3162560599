package org.bgreboot.vm;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A VM's state directory: {@code vm.json} ({@link VmState}), {@code disks/} (overlays),
 * {@code run/g<N>/} (one {@link RuntimeDir} per generation) with {@code run/current} pointing at
 * the serving one, {@code journal/} and the {@code lock} file. Directories are 0700: they hold
 * sockets that control the VM.
 */
public final class StateDir {
    static final ObjectMapper JSON = Json.mapper();

    private final Path dir;

    public StateDir(Path dir) {
        this.dir = dir;
    }

    public Path path() {
        return dir;
    }

    public String vmName() {
        return dir.getFileName().toString();
    }

    public Path disks() {
        return dir.resolve("disks");
    }

    public Path journal() {
        return dir.resolve("journal");
    }

    public Path lockFile() {
        return dir.resolve("lock");
    }

    private Path run() {
        return dir.resolve("run");
    }

    private Path stateFile() {
        return dir.resolve("vm.json");
    }

    public RuntimeDir runtime(int generation) {
        return runtime("g" + generation);
    }

    /** A runtime directory by name, e.g. {@code g3-restored} for a clone restored from saved state. */
    public RuntimeDir runtime(String name) {
        return new RuntimeDir(run().resolve(name));
    }

    /** Creates the directory tree (0700) if it does not exist yet. */
    public void create() {
        for (Path p : new Path[] {dir, run(), disks(), journal()}) {
            mkdir700(p);
        }
    }

    public RuntimeDir createRuntime(int generation) {
        return createRuntime(runtime(generation));
    }

    public RuntimeDir createRuntime(RuntimeDir r) {
        mkdir700(r.dir());
        return r;
    }

    public Optional<VmState> readState() {
        if (!Files.exists(stateFile())) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(stateFile().toFile(), VmState.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stateFile(), e);
        }
    }

    /** Writes vm.json durably: temp file, fsync, rename. */
    public void writeState(VmState state) {
        try {
            Durable.write(stateFile(), JSON.writeValueAsBytes(state));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + stateFile(), e);
        }
    }

    /** The runtime directory of the serving process, if any. */
    public Optional<RuntimeDir> current() {
        Path link = run().resolve("current");
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        try {
            Path target = run().resolve(Files.readSymbolicLink(link));
            return Files.isDirectory(target) ? Optional.of(new RuntimeDir(target)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Atomically points run/current at the given runtime directory (symlink, then rename). */
    public void setCurrent(RuntimeDir r) {
        try {
            Path tmp = run().resolve("current.tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, r.dir().getFileName());
            Files.move(tmp, run().resolve("current"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + run().resolve("current"), e);
        }
    }

    public void clearCurrent() {
        try {
            Files.deleteIfExists(run().resolve("current"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a runtime directory whose QEMU has exited (its sockets, logs, pid file). */
    public void removeRuntime(RuntimeDir r) {
        Durable.deleteTree(r.dir());
    }

    private static void mkdir700(Path p) {
        try {
            if (!Files.isDirectory(p)) {
                Files.createDirectories(p);
            }
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
    }
}
