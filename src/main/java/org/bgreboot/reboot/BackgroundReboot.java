package org.bgreboot.reboot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.net.NetworkIdentity;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.ready.GuestFailedException;
import org.bgreboot.ready.NotReadyException;
import org.bgreboot.ready.Readiness;
import org.bgreboot.ready.ReadyTarget;
import org.bgreboot.vm.Accel;
import org.bgreboot.vm.Launch;
import org.bgreboot.vm.LaunchRecord;
import org.bgreboot.vm.Priority;
import org.bgreboot.vm.QemuImg;
import org.bgreboot.vm.QemuLauncher;
import org.bgreboot.vm.QemuProcess;
import org.bgreboot.vm.RuntimeDir;
import org.bgreboot.vm.StateDir;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmLock;
import org.bgreboot.vm.VmSpec;
import org.bgreboot.vm.VmState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BackGroundReboot: PREPARE → CLONE → BG_BOOT → READY → SWITCH → DONE. FG serves until the clone
 * (BG) is ready; only the switch is downtime. Any failure before FG is killed aborts: BG is
 * discarded and FG left exactly as it was. Every step is journaled before it acts.
 */
public final class BackgroundReboot {
    private static final Logger log = LoggerFactory.getLogger(BackgroundReboot.class);
    private static final Duration AGENT_OP = Duration.ofSeconds(10);

    private final Vm vm;
    private final QemuLauncher launcher;
    private final RebootOptions opts;
    private final Progress progress;
    private final Timings t;

    public BackgroundReboot(Vm vm, QemuLauncher launcher, RebootOptions opts, Progress progress) {
        this.vm = vm;
        this.launcher = launcher;
        this.opts = opts;
        this.progress = progress;
        this.t = new Timings(opts.clock(), progress);
    }

    public RebootResult run() {
        Attempt attempt = null;
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "reboot of " + vm.spec().name())) {
            progress.step("PREPARE");
            Prepared p = Prepared.check(vm, opts, progress);
            try (QemuProcess fg = p.fg()) {
                attempt = new Attempt(p);
                return attempt.run();
            }
        } catch (RuntimeException e) {
            if (attempt == null || !attempt.pastPointOfNoReturn) {
                throw e;
            }
            // the old VM is gone: nothing serves until the switch is completed, so complete it now
            // (the lock is free again: recovery takes it like any command would; QEMU's monitor and
            // agent serve one client each, so ours are closed first)
            if (attempt.bg != null) {
                attempt.bg.close();
            }
            progress.step("the switch failed after the old VM quit (" + e.getMessage() + "): recovering");
            Recovery.Outcome o = new Recovery(vm, launcher, progress).run();
            throw new RebootFailedException("the switch of " + vm.spec().name() + " failed after the old VM quit (" + e.getMessage()
                    + "); recovery " + o.action() + (o.pid() > 0 ? " (pid " + o.pid() + ")" : ""));
        }
    }

    /** One reboot attempt: what exists so far, so an abort undoes exactly that. */
    private final class Attempt {
        final Prepared p;
        final VmSpec spec;
        final StateDir state;
        final RebootPlan plan;
        final Journal journal;
        final NetworkIdentity net;
        final PersistentDiskHandover disk;
        List<String> cloneTops = List.of();
        boolean scratchPrepared;
        boolean freezeAttempted;
        boolean rollbackFailed;
        boolean cloned;
        boolean pastPointOfNoReturn;
        boolean rehearsed;
        QemuProcess bg;
        double startMs;
        double fgPauseMs = Double.NaN;
        double bgLaunchMs = Double.NaN;
        double bgReadyAtMs = Double.NaN;
        double fgStoppedAtMs = Double.NaN;

        Attempt(Prepared p) {
            this.p = p;
            this.spec = vm.spec();
            this.state = vm.stateDir();
            this.plan = plan(p);
            this.net = new NetworkIdentity(spec.network());
            this.disk = new PersistentDiskHandover(spec);
            this.journal = Journal.begin(state, plan);
        }

        RebootResult run() {
            startMs = t.now();
            try {
                cloneSystemDisks();
                FaultPoint.reach("after-clone");
                bootClone();
                FaultPoint.reach("after-bg-boot");
                awaitReady();
                FaultPoint.reach("after-ready");
                rehearse();
            } catch (GuestFailedException | NotReadyException e) {
                return abort("the clone did not become ready: " + e.getMessage());
            } catch (RuntimeException e) {
                log.debug("reboot failed before the switch", e);
                return abort(e.getMessage());
            }
            Optional<String> rolledBack = switchOver();
            if (rolledBack.isPresent()) {
                return abort(rolledBack.get());
            }
            FaultPoint.reach("after-switch");
            int depth = retireOldGeneration();
            journal.finish("done");
            progress.step("DONE: " + spec.name() + " runs generation " + plan.toGeneration() + " (pid " + bg.pid() + ")");
            bg.close();
            return result(Optional.empty(), depth);
        }

        /**
         * CLONE: freeze FG's system-disk filesystems, snapshot every system disk in one transaction,
         * thaw. The persistent disk is not cloned, so it is not frozen: the service keeps writing.
         */
        void cloneSystemDisks() {
            journal.record(Phase.CLONE, "snapshot");
            progress.step("CLONE");
            QmpClient fgQmp = p.fg().qmp();
            cloneTops = SystemDisks.topNodes(fgQmp, plan.fgOverlays().size());
            Optional<List<String>> mounts = SystemMounts.of(p.fg().agent(), AGENT_OP);
            scratchPrepared = true; // before it acts: a half-done preparation is undone too
            t.step("prepare FG scratch overlays", () -> SystemDisks.prepareScratch(fgQmp, cloneTops, plan.fgOverlays(), plan.fgScratch(), suffix()));
            // flush dirty pages first, while FG runs: the freeze then has little left to write
            t.step("sync FG filesystems", () -> p.fg().agent().exec(List.of("sync"), AGENT_OP));
            double cloneStart = t.now();
            freezeAttempted = true; // a freeze that timed out may still have happened: abort thaws
            try {
                t.step("freeze " + mounts.map(m -> String.join(" ", m)).orElse("all filesystems"), () -> mounts.isPresent()
                        ? p.fg().agent().fsfreezeFreeze(mounts.get(), AGENT_OP) : p.fg().agent().fsfreezeFreeze(AGENT_OP));
                t.step("snapshot system disks", () -> SystemDisks.snapshot(fgQmp, cloneTops, suffix()));
                cloned = true;
            } finally {
                t.step("thaw", () -> p.fg().agent().fsfreezeThaw(AGENT_OP));
                freezeAttempted = false;
            }
            fgPauseMs = t.now() - cloneStart;
            for (int i = 0; i < plan.bgOverlays().size(); i++) {
                Path bgOverlay = plan.bgOverlays().get(i);
                Path clonePoint = plan.fgOverlays().get(i);
                t.step("create clone overlay " + bgOverlay.getFileName(), () -> QemuImg.createOverlay(bgOverlay, clonePoint));
            }
            t.phase("clone", cloneStart, cloneStart + fgPauseMs);
        }

        /** BG_BOOT: start the clone paused, isolate its network, then let it run at idle priority. */
        void bootClone() {
            journal.record(Phase.BG_BOOT, "launch");
            progress.step("BG_BOOT" + (opts.idleClone() ? " (idle CPU and I/O priority)" : " (normal priority)"));
            RuntimeDir runtime = state.createRuntime(plan.toGeneration());
            bgLaunchMs = t.now();
            bg = t.step("launch clone QEMU", () -> launcher.launch(new Launch(spec, p.accel(), runtime, plan.toGeneration(),
                    plan.bgOverlays(), p.nextBoot(), Launch.Role.BACKGROUND, opts.idleClone())));
            new LaunchRecord(p.accel(), Launch.Role.BACKGROUND, System.currentTimeMillis(), "same as the VM").write(runtime);
            QmpClient q = bg.qmp();
            t.step("isolate clone network", () -> NetworkIdentity.isolate(q));
            // a reboot of the clone while it boots is a failure: make it a shutdown we notice; a
            // panicked clone stays paused, so the panic (not just an exit) is what we report
            q.execute("set-action", Map.of("reboot", "shutdown", "panic", "pause"));
            opts.listener().cloneLaunched(bg.pid(), t.now());
            q.execute("cont");
        }

        /** READY: every readiness check of the spec passes, or the clone is given up. */
        void awaitReady() {
            journal.record(Phase.READY, "await");
            progress.step("READY: waiting for the clone (timeout " + spec.ready().timeout().toSeconds() + " s)");
            try (ReadyTarget target = new ReadyTarget(bg)) {
                Readiness.of(spec.ready()).await(target, passed ->
                        progress.step(String.format("  ready: %-40s %8.0f ms", passed.check(), passed.atMs())));
            }
            bgReadyAtMs = t.now();
            opts.listener().cloneReady(bgReadyAtMs);
            t.phase("bg boot", bgLaunchMs, bgReadyAtMs);
            progress.step(String.format("  clone ready after %.1f s", (bgReadyAtMs - bgLaunchMs) / 1000));
        }

        /** Under TCG, the clone rehearses the switch's hot-plug first (see {@link Rehearsal}). */
        void rehearse() {
            if (p.accel() != Accel.TCG || opts.switchMode() != SwitchMode.HANDOVER) {
                return;
            }
            rehearsed = true;
            quietly("rehearse the hot-plug", () -> t.step("rehearse hot-plug in BG", () -> Rehearsal.run(bg, spec, rehearsalImage())));
        }

        Path rehearsalImage() {
            return bg.runtime().dir().resolve("rehearsal.img");
        }

        /**
         * SWITCH. Until FG is killed, every step can be rolled back (returns the reason); after that
         * the only way is forward: a failure is completed by {@link Recovery} at once.
         */
        Optional<String> switchOver() {
            progress.step("SWITCH");
            QmpClient bgQmp = bg.qmp();
            // the clone is ready: from now on it is the VM-to-be and must not wait behind anything
            if (opts.idleClone()) {
                t.step("normal priority for BG", () -> Priority.restoreNormal(bg.pid()));
            }
            bgQmp.execute("set-action", Map.of("reboot", "reset", "panic", "shutdown")); // QEMU's defaults
            double switchStart = t.now();
            // the attach hook waits in the clone for the disk: started now, its start-up is off the downtime
            Optional<GuestAgent.RunningCommand> armed = opts.switchMode() == SwitchMode.HANDOVER
                    ? t.step("arm attach hook in BG", () -> disk.armAttach(bg.agent())) : Optional.empty();
            if (!p.fg().alive()) {
                // FG died while the clone booted: the VM is down already, the clone is its way back
                progress.step("  FG's QEMU died while the clone booted: the clone takes over at once");
                journal.record(Phase.SWITCH, "quit-fg");
                pastPointOfNoReturn = true;
                return takeOver(switchStart, armed);
            }
            boolean frozen = spec.hooks().release().isEmpty();
            try {
                journal.record(Phase.SWITCH, "release");
                // FG keeps answering what does not need the persistent disk while it lets go of it
                t.step("release hook in FG", () -> disk.release(p.fg().agent()));
                FaultPoint.reach("switch:release");
            } catch (RuntimeException e) {
                log.debug("switch failed before FG quit", e);
                rollbackFailed = !quietly("re-attach the persistent disk in FG", () -> disk.unrelease(p.fg().agent(), frozen));
                return Optional.of("the switch failed before FG quit and was rolled back: " + e.getMessage());
            }
            // the point of no return: from here recovery completes the switch instead of undoing it
            journal.record(Phase.SWITCH, "quit-fg");
            pastPointOfNoReturn = true;
            FaultPoint.reach("switch:quit-fg");
            // Nothing of FG is kept: its persistent-disk writes are flushed (the release hook synced,
            // and a guest flush makes QEMU write back even qcow2 metadata), its system-disk scratch
            // is discarded. So it is killed rather than asked to quit: a graceful quit costs ~10 ms
            // of downtime and saves nothing. Its exit frees the disk's image lock and its ports.
            fgStoppedAtMs = t.now();
            t.step("stop FG for good", () -> p.fg().kill());
            return takeOver(switchStart, armed);
        }

        /** The switch once FG is gone: the clone gets the disk and the network and becomes the VM. */
        Optional<String> takeOver(double switchStart, Optional<GuestAgent.RunningCommand> armed) {
            if (opts.switchMode() == SwitchMode.RESTORE) {
                bg = restoreIntoFreshProcess();
            }
            QmpClient next = bg.qmp();
            FaultPoint.reach("switch:attach");
            t.step("plug persistent disk into BG", () -> disk.plug(next));
            t.step("attach hook in BG", () -> disk.attach(bg.agent(), armed));
            t.step("BG takes the network", () -> {
                if (opts.switchMode() == SwitchMode.RESTORE) {
                    NetworkIdentity.linkUp(next); // its forwards were on its command line
                } else {
                    net.take(next);
                }
            });
            double servingMs = t.now();
            journal.record(Phase.SWITCH, "finish");
            quietly("set BG's clock", () -> t.step("set BG clock", () -> bg.agent().setTimeFromHost()));
            t.phase("switch", switchStart, servingMs);
            vm.stateDir().writeState(new VmState(plan.toGeneration(), plan.bgOverlays(), p.nextBoot()));
            new LaunchRecord(p.accel(), Launch.Role.FOREGROUND, System.currentTimeMillis(), "became the VM at a switch").write(bg.runtime());
            state.setCurrent(bg.runtime());
            return Optional.empty();
        }

        /**
         * The paper-faithful switch: the clone's whole state is saved and loaded into a fresh QEMU,
         * which then gets the persistent disk and the network as in a handover. Its cost grows with
         * memory; it is kept to show exactly that.
         */
        QemuProcess restoreIntoFreshProcess() {
            Path saved = state.path().resolve("clone-state-g" + plan.toGeneration());
            try {
                return saveAndRestore(saved);
            } finally {
                delete(saved); // as large as the clone's memory: never left behind
            }
        }

        QemuProcess saveAndRestore(Path saved) {
            QemuProcess clone = bg;
            t.step("save clone state", () -> {
                Migration.saveTo(clone.qmp(), saved, Duration.ofMinutes(10));
                clone.quit(Duration.ofSeconds(10));
            });
            clone.close();
            state.removeRuntime(clone.runtime());
            RuntimeDir runtime = state.createRuntime(state.runtime("g" + plan.toGeneration() + "-restored"));
            QemuProcess restored = t.step("restore clone state", () -> {
                QemuProcess r = launcher.launch(new Launch(spec, p.accel(), runtime, plan.toGeneration(), plan.bgOverlays(),
                        p.nextBoot(), Launch.Role.RESTORED, false, Optional.of(saved)));
                Migration.awaitCompleted(r.qmp(), Duration.ofMinutes(10));
                r.qmp().execute("cont");
                return r;
            });
            return restored;
        }

        /** DONE: FG's scratch overlays and runtime go; the old layer is streamed out of BG's chain. */
        int retireOldGeneration() {
            journal.record(Phase.DONE, "retire-fg");
            state.removeRuntime(new RuntimeDir(plan.fgRuntime()));
            plan.fgScratch().forEach(BackgroundReboot::delete);
            journal.record(Phase.DONE, "stream");
            double streamStart = t.now();
            // stream down to the image the VM was first made from: the first layer that is not ours
            List<Path> bases = plan.bgOverlays().stream().map(o -> QemuImg.chain(o).stream()
                    .filter(layer -> !layer.startsWith(state.disks())).findFirst().orElseThrow()).toList();
            t.step("stream old layer into new overlay", () -> SystemDisks.streamInto(bg.qmp(), bases));
            plan.fgOverlays().forEach(BackgroundReboot::delete);
            t.phase("stream", streamStart, t.now());
            if (rehearsed) {
                quietly("remove the rehearsal disk", () -> t.step("remove rehearsal disk", () -> Rehearsal.remove(bg, rehearsalImage())));
            }
            return QemuImg.chain(plan.bgOverlays().get(0)).size();
        }

        /** ABORT: discard the clone, put FG's disks back as they were; FG never stopped serving. */
        RebootResult abort(String reason) {
            progress.step("ABORT: " + reason);
            opts.listener().aborted(t.now());
            quietly("journal the abort", () -> journal.record(Phase.ABORT, "discard-clone"));
            // every undo must succeed before the journal may close; else recover finishes the job
            boolean undone = true;
            if (bg != null) {
                undone &= quietly("stop the clone", () -> {
                    bg.close();
                    bg.kill();
                });
            }
            keepConsoleLog();
            if (freezeAttempted) {
                undone &= quietly("make sure FG's filesystems are thawed", () -> p.fg().agent().fsfreezeThaw(AGENT_OP));
            }
            undone &= !rollbackFailed; // FG's persistent disk could not be re-attached: recover retries
            undone &= quietly("remove the clone's files", () -> {
                state.removeRuntime(state.runtime(plan.toGeneration()));
                plan.bgOverlays().forEach(BackgroundReboot::delete);
            });
            if (scratchPrepared && !cloned) {
                undone &= quietly("drop FG's unused scratch overlays", () -> {
                    SystemDisks.dropScratch(p.fg().qmp(), cloneTops.size(), suffix());
                    plan.fgScratch().forEach(BackgroundReboot::delete);
                });
            }
            if (cloned) {
                quietly("journal the commit", () -> journal.record(Phase.ABORT, "commit-back"));
                undone &= quietly("commit FG's scratch overlays back", () -> {
                    List<String> scratch = new ArrayList<>();
                    for (int i = 0; i < cloneTops.size(); i++) {
                        scratch.add(SystemDisks.scratchNode(i, suffix()));
                    }
                    SystemDisks.commitBack(p.fg().qmp(), scratch, cloneTops);
                    plan.fgScratch().forEach(BackgroundReboot::delete);
                });
            }
            String outcome = reason;
            if (undone && quietly("close the journal", () -> journal.finish("aborted: " + reason))) {
                progress.step("ABORT done: " + spec.name() + " keeps serving on generation " + plan.fromGeneration());
            } else {
                outcome = reason + "; " + spec.name() + " keeps serving, but the abort is unfinished: run 'bgreboot recover "
                        + spec.name() + "' (after freeing disk space, if that was the cause)";
                progress.step("ABORT unfinished: run 'bgreboot recover " + spec.name() + "'");
            }
            return result(Optional.of(outcome), QemuImg.chain(plan.fgOverlays().get(0)).size());
        }

        /** The clone's console tells why it failed: keep it beside the journal. */
        void keepConsoleLog() {
            Path log = state.runtime(plan.toGeneration()).serialLog();
            Path kept = state.journal().resolve("reboot-" + plan.id() + "-clone-console.log");
            try {
                if (Files.exists(log)) {
                    Files.copy(log, kept);
                    progress.step("  the clone's console log: " + kept);
                }
            } catch (java.io.IOException e) {
                progress.step("  could not keep the clone's console log: " + e.getMessage());
            }
        }

        RebootResult result(Optional<String> abortReason, int depth) {
            double switchMs = t.phases().stream().filter(m -> m.name().equals("switch"))
                    .mapToDouble(m -> m.endMs() - m.startMs()).findFirst().orElse(Double.NaN);
            return new RebootResult(spec.name(), Method.BACKGROUND, opts.switchMode(), abortReason, p.installMs(), startMs, t.now(),
                    fgPauseMs, bgReadyAtMs - bgLaunchMs, bgReadyAtMs, fgStoppedAtMs, switchMs, t.steps(), t.phases(),
                    abortReason.isPresent() ? plan.fromGeneration() : plan.toGeneration(), depth);
        }

        String suffix() {
            return "g" + plan.toGeneration();
        }

        /** Runs an undo step that must not stop the others; false when it failed. */
        boolean quietly(String what, Runnable r) {
            try {
                r.run();
                return true;
            } catch (RuntimeException e) {
                progress.step("  could not " + what + ": " + e.getMessage());
                log.debug("could not {}", what, e);
                return false;
            }
        }
    }

    private RebootPlan plan(Prepared p) {
        VmState s = p.state();
        int from = s.generation();
        int to = from + 1;
        Path disks = vm.stateDir().disks();
        List<Path> scratch = new ArrayList<>();
        List<Path> next = new ArrayList<>();
        for (int i = 0; i < s.systemOverlays().size(); i++) {
            scratch.add(disks.resolve("sys" + i + "-g" + from + "-scratch.qcow2"));
            next.add(disks.resolve("sys" + i + "-g" + to + ".qcow2"));
        }
        String id = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()) + "-g" + to;
        return new RebootPlan(id, vm.spec().name(), Method.BACKGROUND.label(), from, to, p.fg().pid(), p.fg().runtime().dir(),
                vm.stateDir().runtime(to).dir(), s.systemOverlays(), scratch, next, p.nextBoot());
    }

    static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (java.io.IOException e) {
            throw new UserError("cannot delete " + p + ": " + e.getMessage());
        }
    }

}
