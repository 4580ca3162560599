package org.bgreboot.reboot;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.net.NetworkIdentity;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.vm.Accel;
import org.bgreboot.vm.AccelChoice;
import org.bgreboot.vm.Launch;
import org.bgreboot.vm.LaunchRecord;
import org.bgreboot.vm.Leftovers;
import org.bgreboot.vm.Priority;
import org.bgreboot.vm.QemuCommand;
import org.bgreboot.vm.QemuImg;
import org.bgreboot.vm.QemuLauncher;
import org.bgreboot.vm.QemuProcess;
import org.bgreboot.vm.RuntimeDir;
import org.bgreboot.vm.StateDir;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmLock;
import org.bgreboot.vm.VmState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a VM whose reboot was interrupted (bgreboot or a QEMU process killed, the host's disk full)
 * back to exactly one serving VM, from its journal:
 * <ul>
 *   <li>before the switch's point of no return (FG being killed), FG keeps serving and the clone is
 *       discarded — FG gets its disk back and its scratch overlay committed (its ports it never gave up);</li>
 *   <li>after it, the switch is completed: the clone gets the persistent disk and the network;</li>
 *   <li>a side that died is replaced by a cold boot of the other side's disks;</li>
 * </ul>
 * and the lock is free again. Every step is idempotent: recovery itself may be interrupted and run again.
 */
public final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    private static final Duration AGENT_OP = Duration.ofSeconds(30);

    /** What recovery did, for the report. */
    public record Outcome(String action, int generation, long pid) {}

    private final Vm vm;
    private final QemuLauncher launcher;
    private final Progress progress;
    private Accel accel;

    public Recovery(Vm vm, QemuLauncher launcher, Progress progress) {
        this.vm = vm;
        this.launcher = launcher;
        this.progress = progress;
    }

    public Outcome run() {
        StateDir state = vm.stateDir();
        try (VmLock lock = VmLock.acquire(state, "recovery of " + vm.spec().name())) {
            Optional<Journal.Content> active = Journal.active(state);
            if (active.isEmpty()) {
                return tidyWithoutJournal();
            }
            Journal.Content c = active.get();
            Journal journal = Journal.resume(state, c);
            Journal.Entry last = c.entries().get(c.entries().size() - 1);
            progress.step("journal: " + c.plan().method() + " reboot " + c.plan().id() + " stopped at " + last.phase() + " " + last.step());
            journal.record(Phase.ABORT, "recover");
            Outcome o = !Method.BACKGROUND.label().equals(c.plan().method()) ? recoverInPlace(c.plan())
                    : pastPointOfNoReturn(c) ? completeForward(c) : rollBack(c);
            journal.finish("recovered: " + o.action());
            removeStaleRuntimes();
            progress.step("recovered " + vm.spec().name() + ": " + o.action() + " (pid " + o.pid() + ")");
            return o;
        }
    }

    /** The switch's point of no return is FG quitting; DONE's steps only tidy up after it. */
    static boolean pastPointOfNoReturn(Journal.Content c) {
        return c.entries().stream().anyMatch(e -> e.phase() == Phase.DONE
                || (e.phase() == Phase.SWITCH && !e.step().equals("release")));
    }

    /**
     * A normal or kexec reboot has no clone: the one QEMU that runs (the old process or the one a
     * cold boot started) is the VM; if none does, the VM is booted from its disks into the update.
     */
    private Outcome recoverInPlace(RebootPlan plan) {
        Optional<QemuProcess> old = process(plan.fgRuntime());
        if (old.isPresent()) {
            try (QemuProcess p = old.get()) {
                return new Outcome("nothing to undo: the VM runs (an in-place reboot has no clone)", plan.fromGeneration(), p.pid());
            }
        }
        Optional<QemuProcess> restarted = plan.bgRuntime().equals(plan.fgRuntime()) ? Optional.empty() : process(plan.bgRuntime());
        vm.stateDir().writeState(new VmState(plan.toGeneration(), plan.bgOverlays(), plan.bgBoot()));
        if (restarted.isPresent()) {
            try (QemuProcess p = restarted.get()) {
                vm.stateDir().setCurrent(p.runtime());
                VmBoot.await(vm, p, progress);
                return new Outcome("the restarted VM runs the update", plan.toGeneration(), p.pid());
            }
        }
        return coldBoot(plan.toGeneration(), "the VM was booted into the update from its disks (its QEMU had gone)");
    }

    // ---- before the point of no return: FG keeps (or resumes) serving -------------------------

    private Outcome rollBack(Journal.Content c) {
        RebootPlan plan = c.plan();
        Optional<QemuProcess> fg = process(plan.fgRuntime());
        for (RuntimeDir r : cloneRuntimes(plan)) {
            process(r.dir()).ifPresent(bg -> {
                progress.step("discarding the clone (pid " + bg.pid() + ")");
                bg.kill();
            });
        }
        plan.bgOverlays().forEach(Recovery::delete);
        if (fg.isEmpty()) {
            return coldBootFgDisks(plan);
        }
        try (QemuProcess p = fg.get()) {
            resumeFg(p, plan);
            return new Outcome("rolled back: the VM kept serving, the clone was discarded", plan.fromGeneration(), p.pid());
        }
    }

    /** Undo whatever FG went through: disk released, frozen, snapshotted (or paused by QEMU). */
    private void resumeFg(QemuProcess fg, RebootPlan plan) {
        QmpClient q = fg.qmp();
        String status = q.execute("query-status").path("status").asText();
        if (!"running".equals(status)) {
            progress.step("resuming the VM (it was " + status + ")");
            q.execute("cont");
        }
        quietly("thaw the VM's filesystems", () -> fg.agent().fsfreezeThaw(AGENT_OP));
        if (!vm.spec().hooks().attach().isEmpty()) {
            quietly("re-attach the persistent disk in the VM", () -> fg.agent().exec(vm.spec().hooks().attach(), AGENT_OP));
        }
        String suffix = "g" + plan.toGeneration();
        List<String> tops = SystemDisks.topNodes(q, plan.fgOverlays().size());
        List<String> scratch = new ArrayList<>();
        List<String> bases = new ArrayList<>();
        for (int i = 0; i < tops.size(); i++) {
            if (tops.get(i).equals(SystemDisks.scratchNode(i, suffix))) {
                scratch.add(tops.get(i));
                bases.add(SystemDisks.nodeOfFile(q, plan.fgOverlays().get(i)));
            }
        }
        if (!scratch.isEmpty()) {
            progress.step("committing the VM's scratch overlays back");
            SystemDisks.commitBack(q, scratch, bases);
        } else {
            SystemDisks.dropScratch(q, plan.fgOverlays().size(), suffix);
        }
        plan.fgScratch().forEach(Recovery::delete);
    }

    /** FG died before the switch: boot its own disks again (its writes since the clone included). */
    private Outcome coldBootFgDisks(RebootPlan plan) {
        progress.step("the VM's QEMU is gone: booting it again from its own disks");
        List<Path> overlays = new ArrayList<>();
        for (int i = 0; i < plan.fgOverlays().size(); i++) {
            Path scratch = plan.fgScratch().get(i);
            // a scratch overlay that FG wrote to holds its latest system-disk state
            overlays.add(Files.exists(scratch) && QemuImg.chain(scratch).contains(plan.fgOverlays().get(i)) ? scratch : plan.fgOverlays().get(i));
        }
        VmState old = vm.stateDir().readState().orElseThrow();
        int generation = Math.max(plan.toGeneration(), old.generation()) + 1;
        vm.stateDir().writeState(new VmState(generation, overlays, old.boot()));
        return coldBoot(generation, "the VM was booted again from its own disks (its QEMU had died)");
    }

    // ---- after the point of no return: the clone becomes the VM ------------------------------

    private Outcome completeForward(Journal.Content c) {
        RebootPlan plan = c.plan();
        process(plan.fgRuntime()).ifPresent(fg -> {
            progress.step("the old VM still runs (pid " + fg.pid() + "): killing it, as the switch does");
            fg.kill();
            fg.close();
        });
        Optional<QemuProcess> clone = cloneRuntimes(plan).stream().map(r -> process(r.dir())).flatMap(Optional::stream).findFirst();
        Outcome o;
        if (clone.isPresent()) {
            try (QemuProcess bg = clone.get()) {
                takeOver(bg, plan);
                o = new Outcome("completed the switch: the clone is the VM", plan.toGeneration(), bg.pid());
            }
        } else {
            progress.step("the clone's QEMU is gone: booting the updated disks");
            vm.stateDir().writeState(new VmState(plan.toGeneration() + 1, plan.bgOverlays(), plan.bgBoot()));
            o = coldBoot(plan.toGeneration() + 1, "the updated disks were booted (the clone had died)");
        }
        plan.fgScratch().forEach(Recovery::delete);
        removeOldLayers(plan);
        return o;
    }

    /** The switch's forward steps, each safe to repeat. */
    private void takeOver(QemuProcess bg, RebootPlan plan) {
        QmpClient q = bg.qmp();
        if (!"running".equals(q.execute("query-status").path("status").asText())) {
            q.execute("cont");
        }
        PersistentDiskHandover disk = new PersistentDiskHandover(vm.spec());
        if (!hasPersistentDisk(q)) {
            progress.step("plugging the persistent disk into the clone");
            disk.plug(q);
        }
        disk.attach(bg.agent(), Optional.empty());
        NetworkIdentity net = new NetworkIdentity(vm.spec().network());
        quietly("free the clone's ports before taking them", () -> net.release(q));
        net.take(q);
        quietly("set the clock", () -> bg.agent().setTimeFromHost());
        quietly("normal priority", () -> Priority.restoreNormal(bg.pid()));
        q.execute("set-action", Map.of("reboot", "reset", "panic", "shutdown"));
        vm.stateDir().writeState(new VmState(plan.toGeneration(), plan.bgOverlays(), plan.bgBoot()));
        new LaunchRecord(accel(), Launch.Role.FOREGROUND, System.currentTimeMillis(), "became the VM in a recovery").write(bg.runtime());
        vm.stateDir().setCurrent(bg.runtime());
    }

    private static boolean hasPersistentDisk(QmpClient q) {
        for (JsonNode b : q.execute("query-block")) {
            if (b.path("qdev").asText().contains("/" + QemuCommand.PERSIST_DEVICE + "/")) {
                return true;
            }
        }
        return false;
    }

    /** The old generation's layer: streamed out of the new chain and deleted, if still there. */
    private void removeOldLayers(RebootPlan plan) {
        for (int i = 0; i < plan.bgOverlays().size(); i++) {
            Path old = plan.fgOverlays().get(i);
            if (!Files.exists(old)) {
                continue;
            }
            Optional<QemuProcess> serving = vm.running();
            if (serving.isPresent() && QemuImg.chain(plan.bgOverlays().get(i)).contains(old)) {
                try (QemuProcess p = serving.get()) {
                    Path base = QemuImg.chain(plan.bgOverlays().get(i)).stream()
                            .filter(l -> !l.startsWith(vm.stateDir().disks())).findFirst().orElseThrow();
                    quietly("stream the old layer out", () -> SystemDisks.streamInto(p.qmp(), List.of(base)));
                }
            }
            if (!QemuImg.chain(plan.bgOverlays().get(i)).contains(old)) {
                delete(old);
            }
        }
    }

    // ---- shared ----------------------------------------------------------------------------

    private Outcome coldBoot(int generation, String action) {
        AccelChoice accel = new AccelChoice(accel(), "as before the reboot");
        QemuProcess p = VmBoot.startAndAwait(vm, accel, launcher, progress);
        try (p) {
            return new Outcome(action, generation, p.pid());
        }
    }

    /** No journal: make sure there is no stray process or runtime directory; report what serves. */
    private Outcome tidyWithoutJournal() {
        removeStaleRuntimes();
        List<String> left = Leftovers.find(vm);
        if (!left.isEmpty()) {
            throw new UserError("VM " + vm.spec().name() + " has no unfinished reboot but: " + String.join("; ", left));
        }
        long pid = vm.running().map(QemuProcess::pid).orElse(-1L);
        int generation = vm.stateDir().readState().map(VmState::generation).orElse(0);
        progress.step("nothing to recover: " + vm.spec().name() + (pid > 0 ? " runs (pid " + pid + ")" : " is stopped"));
        return new Outcome("nothing to recover", generation, pid);
    }

    /** Stops QEMU processes other than the serving one, then removes runtime directories of dead ones. */
    private void removeStaleRuntimes() {
        Path run = vm.stateDir().path().resolve("run");
        Optional<RuntimeDir> current = vm.stateDir().current();
        try (var dirs = Files.list(run)) {
            for (Path d : dirs.filter(Files::isDirectory).filter(d -> !Files.isSymbolicLink(d)).toList()) {
                if (current.map(c -> !c.dir().equals(d)).orElse(true)) {
                    process(d).ifPresent(p -> {
                        progress.step("stopping a stray QEMU (pid " + p.pid() + ")");
                        p.kill();
                    });
                }
            }
        } catch (java.io.IOException e) {
            log.debug("cannot list {}: {}", run, e.toString());
        }
        vm.removeStaleRuntimes();
    }

    private List<RuntimeDir> cloneRuntimes(RebootPlan plan) {
        return List.of(new RuntimeDir(plan.bgRuntime()), vm.stateDir().runtime("g" + plan.toGeneration() + "-restored"));
    }

    private Optional<QemuProcess> process(Path runtime) {
        return QemuProcess.find(new RuntimeDir(runtime), accel());
    }

    /** The accelerator the VM ran under: from any runtime directory's launch record. */
    private Accel accel() {
        if (accel == null) {
            accel = vm.launchRecord().map(LaunchRecord::accel).orElseGet(() -> {
                try (var dirs = Files.list(vm.stateDir().path().resolve("run"))) {
                    return dirs.map(d -> LaunchRecord.read(new RuntimeDir(d))).flatMap(Optional::stream)
                            .map(LaunchRecord::accel).findFirst().orElse(Accel.TCG);
                } catch (java.io.IOException e) {
                    return Accel.TCG;
                }
            });
        }
        return accel;
    }

    private void quietly(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.debug("could not {}: {}", what, e.toString());
        }
    }

    private static void delete(Path p) {
        BackgroundReboot.delete(p);
    }

}
