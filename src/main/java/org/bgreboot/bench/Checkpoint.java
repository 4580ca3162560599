package org.bgreboot.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.UserError;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.reboot.Migration;
import org.bgreboot.vm.Durable;
import org.bgreboot.vm.QemuProcess;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmLock;
import org.bgreboot.vm.VmSpec;
import org.bgreboot.vm.VmState;

/**
 * The starting point of every run of a bench matrix: the VM running its old OS with the update
 * installed (by the guest's own install command, inside the running VM), saved whole — memory and
 * devices (QEMU migration to a file), system overlays and persistent disk. Each run restores it in
 * seconds instead of booting and installing again, which for the Debian guest under TCG takes
 * minutes; and each run starts from exactly the same machine.
 */
public final class Checkpoint {
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration MIGRATION_TIMEOUT = Duration.ofMinutes(10);

    private final Path dir;
    private final VmState state;
    private final double installMs;

    private Checkpoint(Path dir, VmState state, double installMs) {
        this.dir = dir;
        this.state = state;
        this.installMs = installMs;
    }

    /** How long the update's install took in the running VM, the one time it ran. */
    public double installMs() {
        return installMs;
    }

    /** Starts the VM fresh, installs its update in it, and saves it whole into {@code dir}. */
    public static Checkpoint take(Lab lab, Vm vm, Path dir) {
        lab.freshStart(vm);
        double installMs = install(lab, vm);
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "bench checkpoint of " + vm.spec().name());
             QemuProcess p = vm.running().orElseThrow(() -> new UserError("VM " + vm.spec().name() + " stopped before its checkpoint"))) {
            Durable.deleteTree(dir);
            Files.createDirectories(dir);
            Migration.saveTo(p.qmp(), memory(dir), MIGRATION_TIMEOUT);
            VmState state = vm.stateDir().readState().orElseThrow();
            // the migration has flushed the images: copies now are what the saved memory expects
            for (Path overlay : state.systemOverlays()) {
                copy(overlay, dir.resolve(overlay.getFileName()));
            }
            copy(vm.spec().persistentDisk().path(), dir.resolve("persistent"));
            p.quit(Duration.ofSeconds(30));
            vm.stateDir().removeRuntime(p.runtime());
            vm.stateDir().clearCurrent();
            lab.progress().step(String.format("checkpoint of %s saved (update installed in %.1f s)", vm.spec().name(), installMs / 1000));
            return new Checkpoint(dir, state, installMs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the checkpoint in " + dir, e);
        }
    }

    /** Puts the VM back exactly where the checkpoint was taken, running. */
    public void restore(Lab lab, Vm vm) {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "bench restore of " + vm.spec().name())) {
            vm.running().ifPresent(p -> {
                p.kill();
                p.close();
            });
            vm.removeStaleRuntimes();
            Durable.deleteTree(vm.stateDir().disks());
            Files.createDirectories(vm.stateDir().disks());
            for (Path overlay : state.systemOverlays()) {
                copy(dir.resolve(overlay.getFileName()), overlay);
            }
            copy(dir.resolve("persistent"), vm.spec().persistentDisk().path());
            vm.stateDir().writeState(state);
            QemuProcess p = vm.start(lab.accel(), lab.launcher(), lab.progress(), Optional.of(memory(dir)));
            try (p) {
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

    private static double install(Lab lab, Vm vm) {
        List<String> install = vm.spec().update().map(VmSpec.Update::install).orElse(List.of());
        if (install.isEmpty()) {
            return 0;
        }
        lab.progress().step("installing the update once, in the running VM: " + String.join(" ", install));
        long t0 = System.nanoTime();
        try (QemuProcess p = vm.running().orElseThrow()) {
            ExecResult r = p.agent().exec(install, INSTALL_TIMEOUT);
            if (!r.ok()) {
                throw new UserError("the update's install command failed in " + vm.spec().name() + " (" + r.status() + "): " + r.stderrText().strip());
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static Path memory(Path dir) {
        return dir.resolve("memory.state");
    }

    /** A sparse copy: images are mostly holes. */
    private static void copy(Path from, Path to) {
        List<String> argv = new ArrayList<>(List.of("cp", "--sparse=always", "--", from.toString(), to.toString()));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("cp " + from + " " + to + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
