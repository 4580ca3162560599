package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Capability;
import org.bgreboot.engine.Checkpoints;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.ClonePoint;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.StateSaving;
import org.bgreboot.engine.SwitchRehearsal;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.VmInspection;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.Durable;
import org.bgreboot.state.StateDir;
import org.bgreboot.state.VmState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM of the embedded engine: bgreboot starts its QEMU processes itself, one runtime directory
 * each ({@link Runtimes}), over qcow2 overlays of the spec's images in the state directory's
 * {@code disks/}, and keeps {@code vm.json} ({@link VmState}) as the record of what runs.
 */
public final class EmbeddedVm implements Vm {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedVm.class);

    private final VmSpec spec;
    private final StateDir state;
    private final Runtimes runtimes;
    private final QemuLauncher launcher;
    private final Supplier<AccelChoice> accel;
    private final QemuClonePoint clonePoint;

    EmbeddedVm(VmSpec spec, StateDir state, QemuLauncher launcher, Supplier<AccelChoice> accel) {
        this.spec = spec;
        this.state = state;
        this.runtimes = new Runtimes(state);
        this.launcher = launcher;
        this.accel = accel;
        this.clonePoint = new QemuClonePoint(state.disks());
    }

    @Override public VmSpec spec() {
        return spec;
    }

    @Override public StateDir stateDir() {
        return state;
    }

    @Override public String engine() {
        return EmbeddedEngine.NAME;
    }

    // ---- instances ----------------------------------------------------------------------------

    @Override public Optional<Instance> serving() {
        return running().map(p -> p);
    }

    /** The serving QEMU process, typed: for what only the embedded engine has (its runtime files). */
    public Optional<QemuProcess> running() {
        return runtimes.current().flatMap(this::process);
    }

    @Override public List<Instance> instances() {
        List<Instance> all = new ArrayList<>();
        for (RuntimeDir r : runtimes.all()) {
            process(r).ifPresent(all::add);
        }
        return all;
    }

    /** The instance of a runtime directory; a clone restored from saved state is found by its clone's id too. */
    @Override public Optional<Instance> instance(InstanceId id) {
        Optional<QemuProcess> p = process(runtimes.of(id.value()));
        if (p.isEmpty() && !id.value().endsWith("-restored")) {
            p = process(runtimes.of(id.value() + "-restored"));
        }
        return p.map(x -> x);
    }

    /** A live process of a runtime directory, with the spec it was started with (the file may have changed since). */
    private Optional<QemuProcess> process(RuntimeDir r) {
        VmSpec launched = LaunchRecord.read(r).map(LaunchRecord::spec).orElse(spec);
        return QemuProcess.livePid(r).map(pid -> new QemuProcess(pid, r, accelOf(r), launched, null));
    }

    /** The accelerator a runtime directory's QEMU was started with (its launch record), else the chosen one. */
    private Accel accelOf(RuntimeDir r) {
        return LaunchRecord.read(r).map(LaunchRecord::accel).orElseGet(() -> runtimes.all().stream()
                .map(LaunchRecord::read).flatMap(Optional::stream).map(LaunchRecord::accel).findFirst().orElse(Accel.TCG));
    }

    /** The runtime directory a QEMU of {@code generation} runs in (tests look inside it). */
    public RuntimeDir runtime(int generation) {
        return runtimes.of(generation);
    }

    public Optional<LaunchRecord> launchRecord() {
        return runtimes.current().flatMap(LaunchRecord::read);
    }

    /** How the spec differs from what the serving QEMU was started with. */
    List<String> specDrift() {
        Optional<VmSpec> running = runtimes.current().filter(r -> QemuProcess.livePid(r).isPresent())
                .flatMap(LaunchRecord::read).map(LaunchRecord::spec);
        if (running.isEmpty()) {
            return List.of();
        }
        VmSpec r = running.get();
        List<String> drift = new ArrayList<>();
        differ(drift, "persistent disk", r.persistentDisk(), spec.persistentDisk());
        differ(drift, "network", r.network(), spec.network());
        differ(drift, "memory", r.memory(), spec.memory());
        differ(drift, "cpus", r.cpus(), spec.cpus());
        differ(drift, "machine", r.machine(), spec.machine());
        differ(drift, "system disks", r.systemDisks(), spec.systemDisks());
        return drift;
    }

    private static void differ(List<String> drift, String what, Object running, Object specified) {
        if (!running.equals(specified)) {
            drift.add(what + ": runs with " + running + ", the spec now says " + specified);
        }
    }

    // ---- state --------------------------------------------------------------------------------

    /** The VM's state, created on first use: generation 0 on fresh overlays over the spec's disks. */
    @Override public VmState state() {
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
            Path overlay = LayerNames.overlay(state.disks(), i, 0);
            QemuImg.createOverlay(overlay, spec.systemDisks().get(i));
            overlays.add(overlay);
        }
        VmState initial = new VmState(0, overlays, spec.boot(), spec.persistentDisk());
        state.writeState(initial);
        return initial;
    }

    // ---- starting and stopping ------------------------------------------------------------------

    /** Starts the VM from its current state (not waiting for the guest); the caller holds the VM lock. */
    public QemuProcess start(Progress progress) {
        return start(progress, Optional.empty());
    }

    /**
     * The same, loading a saved state ({@code incoming}) instead of booting: the VM comes up
     * paused where it was saved, and the caller continues it.
     */
    public QemuProcess start(Progress progress, Optional<Path> incoming) {
        Optional<QemuProcess> already = running();
        if (already.isPresent()) {
            throw new UserError("VM " + spec.name() + " is already running (pid " + already.get().pid() + "); stop it first with 'bgreboot vm stop " + spec.name() + "'");
        }
        return launchServing(state(), accel.get(), incoming, progress);
    }

    @Override public Instance coldBoot(VmState s, String why, Progress progress) {
        progress.step(why);
        running().ifPresent(p -> {
            throw new UserError("VM " + spec.name() + " runs already (pid " + p.pid() + ")");
        });
        Optional<Accel> before = runtimes.all().stream().map(LaunchRecord::read).flatMap(Optional::stream).map(LaunchRecord::accel).findFirst();
        state.writeState(s);
        return launchServing(s, before.map(a -> new AccelChoice(a, "as before")).orElseGet(accel), Optional.empty(), progress);
    }

    private QemuProcess launchServing(VmState s, AccelChoice accel, Optional<Path> incoming, Progress progress) {
        removeStaleRuntimes();
        checkPortsFree();
        RuntimeDir runtime = runtimes.create(Runtimes.name(s.generation()));
        progress.step("starting " + spec.name() + " (generation " + s.generation() + ", " + accel.accel().qemuName() + ")");
        VmSpec launched = spec.withIdentity(spec.network(), s.persistentDiskOr(spec));
        Launch launch = new Launch(launched, accel.accel(), runtime, s, Launch.Role.FOREGROUND, false, incoming);
        launch.tap().ifPresent(tap -> {
            Taps.checkBridge(launched.network(), List.of(tap));
            Taps.create(launched.network(), tap, true);
        });
        QemuLauncher.Started started;
        try {
            started = launcher.launch(launch);
        } catch (RuntimeException e) {
            runtimes.remove(runtime);
            launch.tap().ifPresent(tap -> Taps.delete(launched.network(), tap));
            throw e;
        }
        LaunchRecord.of(launch, accel.reason()).write(runtime);
        runtimes.setCurrent(runtime);
        return new QemuProcess(started.pid(), runtime, accel.accel(), launched, started.qmp());
    }

    @Override public void reset() {
        if (!instances().isEmpty()) {
            throw new UserError("VM " + spec.name() + " is running; stop it before resetting it");
        }
        Durable.deleteTree(state.disks());
        Durable.deleteIfExists(state.path().resolve("vm.json"));
        removeStaleRuntimes();
    }

    /** Runtime directories whose QEMU is gone (after a crash): their sockets and taps must not linger. */
    public void removeStaleRuntimes() {
        for (RuntimeDir r : runtimes.all()) {
            if (QemuProcess.livePid(r).isEmpty()) {
                remove(r);
            }
        }
        if (runtimes.current().isEmpty()) {
            runtimes.clearCurrent();
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

    // ---- cloning --------------------------------------------------------------------------------

    @Override public ClonePlan planClone(Instance fg, VmState s) {
        int to = s.generation() + 1;
        List<Path> scratch = new ArrayList<>();
        List<Path> next = new ArrayList<>();
        for (int i = 0; i < s.systemOverlays().size(); i++) {
            scratch.add(LayerNames.scratch(state.disks(), i, s.generation()));
            next.add(LayerNames.overlay(state.disks(), i, to));
        }
        return new ClonePlan(fg.id(), new InstanceId(Runtimes.name(to)), s.systemOverlays(), scratch, next);
    }

    @Override public ClonePoint clonePoint() {
        return clonePoint;
    }

    /** Started with -S: its link goes down before its first instruction; a reboot or panic of it is noticed. */
    @Override public Instance launchClone(ClonePlan plan, VmState clone, CpuShare share) {
        RuntimeDir fgRuntime = runtimes.of(plan.fg().value());
        RuntimeDir runtime = runtimes.create(plan.bg().value());
        Accel a = accelOf(fgRuntime);
        // the clone takes over FG's network identity, whatever the spec says now, and the persistent disk chosen for it
        VmSpec.Network identity = LaunchRecord.read(fgRuntime).map(l -> l.spec().network()).orElse(spec.network());
        VmSpec cloneSpec = spec.withIdentity(identity, clone.persistentDiskOr(spec));
        Optional<Long> placeholder = swaps(cloneSpec, fgRuntime)
                ? Optional.of(QemuImg.virtualSize(cloneSpec.persistentDisk().path(), cloneSpec.persistentDisk().format())) : Optional.empty();
        Launch launch = new Launch(cloneSpec, a, runtime, clone, Launch.Role.BACKGROUND, share == CpuShare.IDLE, Optional.empty(), placeholder);
        launch.tap().ifPresent(tap -> Taps.create(cloneSpec.network(), tap, false)); // no port of the bridge until the switch
        QemuLauncher.Started started = launcher.launch(launch);
        LaunchRecord.of(launch, "same as the VM").write(runtime);
        QemuProcess bg = new QemuProcess(started.pid(), runtime, a, cloneSpec, started.qmp());
        bg.network().isolate();
        // a reboot of the clone while it boots is a failure: make it a shutdown we notice; a
        // panicked clone stays paused, so the panic (not just an exit) is what we report
        bg.qmp().execute("set-action", Map.of("reboot", "shutdown", "panic", "pause"));
        bg.qmp().execute("cont");
        return bg;
    }

    /**
     * A swap needs the spec to ask for one and a QEMU that can reopen a node onto another image
     * ({@code blockdev-reopen}, 6.1 on): else the disk is hot-plugged at the switch.
     */
    private boolean swaps(VmSpec cloneSpec, RuntimeDir fgRuntime) {
        if (cloneSpec.switchPolicy().disk() != VmSpec.SwitchPolicy.DiskHandover.SWAP) {
            return false;
        }
        // asked on FG's second monitor: the reboot holds its first (QEMU serves one client per monitor)
        try (QmpClient observer = QmpClient.connect(fgRuntime.observerSocket(), Duration.ofSeconds(5))) {
            for (var c : observer.execute("query-commands")) {
                if ("blockdev-reopen".equals(c.path("name").asText())) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Under TCG a clone that will get the disk by hot-plug rehearses it first (see {@link
     * Rehearsal}); one that gets it by a swap has nothing to rehearse.
     */
    @Override public Capability<SwitchRehearsal> rehearsal() {
        return Capability.of(new SwitchRehearsal() {
            @Override public void before(Instance clone) {
                QemuProcess p = (QemuProcess) clone;
                p.network().prepare();
                if (p.accel() == Accel.TCG && !p.persistentDisk().devicePresent()) {
                    Rehearsal.run(p, spec, rehearsalImage(p));
                }
            }

            @Override public void after(Instance serving) {
                QemuProcess p = (QemuProcess) serving;
                if (Files.exists(rehearsalImage(p))) {
                    Rehearsal.remove(p, rehearsalImage(p));
                }
            }
        });
    }

    private static Path rehearsalImage(QemuProcess p) {
        return p.runtime().dir().resolve("rehearsal.img");
    }

    @Override public void promote(Instance instance, VmState s) {
        QemuProcess p = (QemuProcess) instance;
        p.qmp().execute("set-action", Map.of("reboot", "reset", "panic", "shutdown")); // QEMU's defaults
        state.writeState(s);
        LaunchRecord.read(p.runtime()).orElseThrow().as(Launch.Role.FOREGROUND, "became the VM at a switch").write(p.runtime());
        runtimes.setCurrent(p.runtime());
    }

    /** Removes a runtime directory once its QEMU is gone (after a switch, the old VM's). */
    @Override public void forget(InstanceId id) {
        RuntimeDir r = runtimes.of(id.value());
        if (QemuProcess.livePid(r).isEmpty()) {
            remove(r);
        }
        if (runtimes.current().isEmpty()) {
            runtimes.clearCurrent();
        }
    }

    /** A dead process's runtime directory, and its tap: a restored clone shares its clone's tap, so it goes once neither runs. */
    private void remove(RuntimeDir r) {
        Optional<LaunchRecord> launched = LaunchRecord.read(r);
        runtimes.remove(r);
        launched.filter(l -> l.spec().network().bridged()).ifPresent(l -> {
            String tap = Taps.name(l.spec(), l.state().generation());
            boolean inUse = runtimes.all().stream().map(LaunchRecord::read).flatMap(Optional::stream)
                    .anyMatch(o -> o.state().generation() == l.state().generation());
            if (!inUse) {
                Taps.delete(l.spec().network(), tap);
            }
        });
    }

    @Override public VmInspection inspection() {
        return new VmInspection() {
            @Override public List<String> specDrift() {
                return EmbeddedVm.this.specDrift();
            }

            @Override public FreeSpace freeSpace() {
                try {
                    state.create();
                    return new FreeSpace(Files.getFileStore(state.path()).getUsableSpace(), state.path().toString());
                } catch (IOException e) {
                    return new FreeSpace(Long.MAX_VALUE, state.path().toString());
                }
            }

            @Override public int chainDepth() {
                return state.readState().map(s -> s.systemOverlays().stream().mapToInt(o -> QemuImg.chain(o).size()).max().orElse(0)).orElse(0);
            }

            @Override public List<String> leftovers() {
                return Leftovers.find(EmbeddedVm.this, runtimes);
            }
        };
    }

    @Override public Capability<StateSaving> stateSaving() {
        return Capability.of(saving());
    }

    @Override public Capability<Checkpoints> checkpoints() {
        return Capability.of(new QemuCheckpoints(this, Progress.SILENT));
    }

    private QemuStateSaving saving() {
        return new QemuStateSaving(state.path(), runtimes, launcher);
    }
}
