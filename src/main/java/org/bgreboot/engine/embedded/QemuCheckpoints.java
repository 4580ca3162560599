package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.HostCommand;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Checkpoints;
import org.bgreboot.state.Durable;
import org.bgreboot.state.VmState;

/**
 * Whole-VM checkpoints of the embedded engine: memory and devices by QEMU migration to a file,
 * system overlays and persistent disk by sparse copies taken once the migration has flushed them.
 */
record QemuCheckpoints(EmbeddedVm vm, Progress progress) implements Checkpoints {
    private static final Duration MIGRATION_TIMEOUT = Duration.ofMinutes(10);

    @Override public void save(Path dir) {
        QemuProcess p = vm.running().orElseThrow(() -> new UserError("VM " + vm.spec().name() + " is not running: nothing to save"));
        try (p) {
            Durable.deleteTree(dir);
            Files.createDirectories(dir);
            Migration.saveTo(p.qmp(), memory(dir), MIGRATION_TIMEOUT);
            VmState state = vm.state();
            // the migration has flushed the images: copies now are what the saved memory expects
            for (Path overlay : state.systemOverlays()) {
                copy(overlay, dir.resolve(overlay.getFileName()));
            }
            copy(vm.spec().persistentDisk().path(), dir.resolve("persistent"));
            Files.write(dir.resolve("vm.json"), org.bgreboot.state.Json.mapper().writeValueAsBytes(state));
            p.quit(Duration.ofSeconds(30));
            vm.removeStaleRuntimes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the checkpoint in " + dir, e);
        }
    }

    @Override public void restore(Path dir) {
        try {
            VmState state = org.bgreboot.state.Json.mapper().readValue(dir.resolve("vm.json").toFile(), VmState.class);
            vm.instances().forEach(i -> {
                i.kill();
                i.close();
            });
            vm.removeStaleRuntimes();
            Durable.deleteTree(vm.stateDir().disks());
            Files.createDirectories(vm.stateDir().disks());
            for (Path overlay : state.systemOverlays()) {
                copy(dir.resolve(overlay.getFileName()), overlay);
            }
            copy(dir.resolve("persistent"), vm.spec().persistentDisk().path());
            vm.stateDir().writeState(state);
            try (QemuProcess p = vm.start(progress, Optional.of(memory(dir)))) {
                Migration.awaitCompleted(p.qmp(), MIGRATION_TIMEOUT);
                p.qmp().execute("cont");
                // the guest's clock stood still while it was saved
                p.agent().sync(Duration.ofSeconds(30));
                p.agent().setTimeFromHost();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the checkpoint in " + dir, e);
        }
    }

    private static Path memory(Path dir) {
        return dir.resolve("memory.state");
    }

    /** A sparse copy: images are mostly holes. */
    private static void copy(Path from, Path to) {
        HostCommand cp = HostCommand.run(List.of("cp", "--sparse=always", "--", from.toString(), to.toString()));
        if (!cp.ok()) {
            throw new IllegalStateException("cp " + from + " " + to + " failed: " + cp.output().strip());
        }
    }
}
