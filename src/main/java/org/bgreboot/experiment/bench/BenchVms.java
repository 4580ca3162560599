package org.bgreboot.experiment.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.state.Durable;
import org.bgreboot.engine.embedded.Liveness;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.Engine;

import org.bgreboot.experiment.Lab;
import org.bgreboot.experiment.bench.BenchPlan;
/**
 * The bench's own VMs, one per guest and memory size ({@code bench-tiny-256m}, {@code bench-debian13-2g}): disposable, so a
 * bench starts each from a pristine persistent disk, and a run that broke one simply drops it.
 */
final class BenchVms {
    private BenchVms() {}

    /** Writes the VM's spec (a free port, the pristine persistent disk) after clearing what a previous bench left. */
    static Vm prepare(Home home, Engine engine, String name, GuestImage image, ByteSize memory, Lab stopper) {
        Path spec = home.specs().resolve(name + ".toml");
        Path persistent = home.home().resolve("data").resolve(name).resolve("persist.img");
        if (Files.exists(spec)) {
            try {
                Vm old = engine.vm(SpecLoader.forThisHost(home.vms()).load(spec), home.stateDir(name));
                stopOrKill(old, stopper);
                Durable.deleteTree(old.stateDir().path());
            } catch (RuntimeException e) {
                // a spec from an older build may no longer load: its VM can still be cleared by path
                forget(home.vms().resolve(name), name, stopper.progress());
            }
        }
        try {
            Files.deleteIfExists(persistent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the old persistent disk " + persistent, e);
        }
        GuestSpecs.write(new GuestSpecs.Request(name, image, memory, freePort(), persistent), spec);
        return engine.vm(SpecLoader.forThisHost(home.vms()).load(spec), home.stateDir(name));
    }

    /**
     * Stops the VM and forgets all its state, unfinished journal included: after a run that threw,
     * the VM is in no known state, and the next run starts it afresh anyway. A QEMU of this VM that
     * a clean stop did not end (a clone left by the failure) is killed by its pid. The console logs
     * tell why the run failed, so they are kept first; returns where.
     */
    static List<Path> discard(Vm vm, Lab lab) {
        stopOrKill(vm, lab);
        List<Path> kept = keepConsoleLogs(vm);
        Durable.deleteTree(vm.stateDir().path());
        return kept;
    }

    private static void stopOrKill(Vm vm, Lab lab) {
        try {
            lab.stop(vm);
        } catch (RuntimeException e) {
            lab.progress().step("could not stop " + vm.spec().name() + " cleanly: " + e.getMessage());
        }
        kill(vm.stateDir().path(), vm.spec().name(), lab.progress());
    }

    /** Copies each runtime's serial.log to {@code <home>/results/bench-logs/<vm>-<time>-<runtime>-serial.log}. */
    private static List<Path> keepConsoleLogs(Vm vm) {
        Path run = vm.stateDir().path().resolve("run");
        // a VM's state is <home>/vms/<name>
        Path dest = vm.stateDir().path().getParent().getParent().resolve("results").resolve("bench-logs");
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now());
        List<Path> kept = new ArrayList<>();
        if (!Files.isDirectory(run)) {
            return kept;
        }
        try (Stream<Path> dirs = Files.list(run)) {
            for (Path d : dirs.filter(d -> Files.isDirectory(d) && !Files.isSymbolicLink(d)).toList()) {
                Path log = d.resolve("serial.log");
                if (Files.isRegularFile(log)) {
                    Files.createDirectories(dest);
                    Path copy = dest.resolve(vm.spec().name() + "-" + stamp + "-" + d.getFileName() + "-serial.log");
                    Files.copy(log, copy, StandardCopyOption.REPLACE_EXISTING);
                    kept.add(copy);
                }
            }
        } catch (IOException e) {
            // the logs are a help, not the result: the run is recorded as failed either way
        }
        return kept;
    }

    private static void forget(Path stateDir, String name, Progress progress) {
        kill(stateDir, name, progress);
        Durable.deleteTree(stateDir);
    }

    /** Kills every QEMU of the VM with this state directory, by pid; the next bench clears the state. */
    static void kill(Path stateDir, String name, Progress progress) {
        String marker = stateDir + "/";
        ProcessHandle.allProcesses()
                .filter(h -> Liveness.cmdline(h.pid()).contains("qemu-system") && Liveness.cmdline(h.pid()).contains(marker))
                .forEach(h -> {
                    progress.step("killing QEMU " + h.pid() + " of " + name);
                    h.destroyForcibly();
                    h.onExit().join();
                });
    }

    /** A bench stopped by Ctrl-C or SIGTERM must leave none of its VMs running. */
    static Thread killOnExit(Home home, BenchPlan plan, Progress progress) {
        Thread hook = new Thread(() -> plan.guests().forEach(g -> plan.memories().forEach(m ->
                kill(home.vms().resolve(plan.vmName(g, m)), plan.vmName(g, m), progress))), "bench-vms-on-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
