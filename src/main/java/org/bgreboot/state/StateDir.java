package org.bgreboot.state;

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
 * {@code run/} (the engine's runtime files), {@code journal/} and the {@code lock} file.
 * Directories are 0700: they hold sockets that control the VM.
 */
public final class StateDir {
    private static final ObjectMapper JSON = Json.mapper();

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

    /** Per-engine runtime files (the embedded engine's QEMU sockets and logs). */
    public Path run() {
        return dir.resolve("run");
    }

    private Path stateFile() {
        return dir.resolve("vm.json");
    }

    /** Creates the directory tree (0700) if it does not exist yet. */
    public void create() {
        for (Path p : new Path[] {dir, run(), disks(), journal()}) {
            mkdir700(p);
        }
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

    /** Creates a directory readable by root only: it may hold sockets that control a VM. */
    public static void mkdir700(Path p) {
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
