package org.bgreboot.vm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM: its spec and its state directory. Starting and stopping the serving QEMU process lives
 * here; rebooting lives in {@code org.bgreboot.reboot}.
 */
public final class Vm {
    private static final Logger log = LoggerFactory.getLogger(Vm.class);

    private final VmSpec spec;
    private final StateDir state;

    public Vm(VmSpec spec, StateDir state) {
        this.spec = spec;
        this.state = state;
    }

    public static Vm of(VmSpec spec, Home home) {
        return new Vm(spec, new StateDir(home.vms().resolve(spec.name())));
    }

    public VmSpec spec() {
        return spec;
    }

    public StateDir stateDir() {
        return state;
    }

    /** The serving QEMU process, if it runs. */
    public Optional<QemuProcess> running() {
        return state.current().flatMap(r -> QemuProcess.find(r, LaunchRecord.read(r).map(LaunchRecord::accel).orElse(Accel.TCG)));
    }

    public Optional<LaunchRecord> launchRecord() {
        return state.current().flatMap(LaunchRecord::read);
    }

    /** The VM's state, created on first use: generation 0 on fresh overlays over the spec's disks. */
    public VmState stateOrInitial() {
        state.create();
        Optional<VmState> existing = state.readState();
        if (existing.isPresent()) {
            for (Path p : existing.get().systemOverlays()) {
                if (!Files.exists(p)) {
                    throw new UserError("VM " + spec.name() + ": its system disk overlay " + p + " is missing; "
                            + "run 'bgreboot vm reset " + spec.name() + "' to start again from the spec's images");
                }
            }
            return existing.get();
        }
        List<Path> overlays = new ArrayList<>();
        for (int i = 0; i < spec.systemDisks().size(); i++) {
            Path overlay = state.disks().resolve("sys" + i + "-g0.qcow2");
            QemuImg.createOverlay(overlay, spec.systemDisks().get(i));
            overlays.add(overlay);
        }
        VmState initial = new VmState(0, overlays, spec.boot());
        state.writeState(initial);
        return initial;
    }

    /** Launches the serving QEMU (not waiting for the guest). The caller holds the VM lock. */
    public QemuProcess start(AccelChoice accel, QemuLauncher launcher, Progress progress) {
        return start(accel, launcher, progress, Optional.empty());
    }

    /**
     * The same, loading a saved state ({@code incoming}) instead of booting: the VM comes up
     * paused where it was saved, and the caller continues it.
     */
    public QemuProcess start(AccelChoice accel, QemuLauncher launcher, Progress progress, Optional<Path> incoming) {
        Optional<QemuProcess> already = running();
        if (already.isPresent()) {
            throw new UserError("VM " + spec.name() + " is already running (pid " + already.get().pid() + "); stop it first with 'bgreboot vm stop " + spec.name() + "'");
        }
        removeStaleRuntimes();
        VmState s = stateOrInitial();
        checkPortsFree();
        RuntimeDir runtime = state.createRuntime(s.generation());
        progress.step("starting " + spec.name() + " (generation " + s.generation() + ", " + accel.accel().qemuName() + ")");
        Launch launch = new Launch(spec, accel.accel(), runtime, s.generation(), s.systemOverlays(), s.boot(), Launch.Role.FOREGROUND, false, incoming);
        QemuProcess p;
        try {
            p = launcher.launch(launch);
        } catch (RuntimeException e) {
            state.removeRuntime(runtime);
            throw e;
        }
        new LaunchRecord(accel.accel(), Launch.Role.FOREGROUND, System.currentTimeMillis(), accel.reason()).write(runtime);
        state.setCurrent(runtime);
        return p;
    }

    /**
     * Stops the VM cleanly: the guest is asked to power off (through its agent, or ACPI when the
     * agent does not answer); after {@code timeout} QEMU is told to quit, and killed as a last
     * resort. Removes the runtime directory: no process or socket is left.
     */
    public void stop(Duration timeout, Progress progress) {
        QemuProcess p = running().orElseThrow(() -> new UserError("VM " + spec.name() + " is not running"));
        try (p) {
            progress.step("asking the guest to power off");
            askPowerOff(p);
            if (!p.awaitExit(timeout)) {
                progress.step("guest still running after " + timeout.toSeconds() + " s; telling QEMU to quit");
                p.quit(Duration.ofSeconds(10));
            }
        }
        state.removeRuntime(p.runtime());
        state.clearCurrent();
        progress.step(spec.name() + " stopped");
    }

    private static void askPowerOff(QemuProcess p) {
        try {
            p.agent().sync(Duration.ofSeconds(2));
            p.agent().shutdown("powerdown");
            return;
        } catch (RuntimeException e) {
            log.debug("agent shutdown failed, trying ACPI: {}", e.toString());
        }
        try {
            p.qmp().execute("system_powerdown");
        } catch (RuntimeException e) {
            log.debug("system_powerdown: {}", e.toString());
        }
    }

    /** Forgets the VM's disks and state so the next start begins again from the spec's images. */
    public void reset() {
        if (running().isPresent()) {
            throw new UserError("VM " + spec.name() + " is running; stop it before resetting it");
        }
        Durable.deleteTree(state.disks());
        try {
            Files.deleteIfExists(state.path().resolve("vm.json"));
        } catch (IOException e) {
            throw new UserError("cannot remove the state of " + spec.name() + ": " + e.getMessage());
        }
        removeStaleRuntimes();
    }

    /** Runtime directories whose QEMU is gone (after a crash): their sockets must not linger. */
    public void removeStaleRuntimes() {
        Path run = state.path().resolve("run");
        if (!Files.isDirectory(run)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(run)) {
            for (Path d : dirs.filter(d -> Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                RuntimeDir r = new RuntimeDir(d);
                if (QemuProcess.find(r, Accel.TCG).isEmpty()) {
                    state.removeRuntime(r);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot list " + run + ": " + e.getMessage());
        }
        if (state.current().isEmpty()) {
            state.clearCurrent();
        }
    }

    private void checkPortsFree() {
        for (VmSpec.PortForward f : spec.network().forwards()) {
            try (ServerSocket s = new ServerSocket(f.hostPort(), 1, InetAddress.getByName(f.hostAddress()))) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                throw new UserError("port " + f.hostAddress() + ":" + f.hostPort() + " of VM " + spec.name()
                        + " is in use by another program; free it or change network.forwards in " + spec.file());
            }
        }
    }
}
