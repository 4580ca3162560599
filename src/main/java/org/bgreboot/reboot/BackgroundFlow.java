package org.bgreboot.reboot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.FaultPoint;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.ConnectionInterrupted;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.Vm;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.state.VmState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One background reboot under way: the instances, whoever started them, and what the steps
 * ({@link BackgroundSteps}) found out, with the three ways through them: forward, completing past
 * the point of no return, and back. A reboot runs it forward; recovery (a later process, after a
 * crash) builds one from the journal and replays from its last step. So instances are found again
 * by their ids when this process did not start them.
 *
 * <p>Every step passes two fault points, {@code before:<step>} (journaled, not yet acting) and
 * {@code after:<step>}, where a test can make bgreboot die as by SIGKILL.
 */
final class BackgroundFlow {
    private static final Logger log = LoggerFactory.getLogger(BackgroundFlow.class);
    static final Duration AGENT_OP = Duration.ofSeconds(10);
    /** How often a step past the point of no return is done again after the engine lost its host midway and got it back. */
    private static final int MAX_REDO = 3;

    /** How a switch that went past its point of no return ended, and which instance serves now. */
    record Completion(Outcome outcome, Instance serving, int generation) {}

    final Vm vm;
    final RebootPlan plan;
    final RebootOptions opts;
    final Progress progress;
    final Timings t;
    final PersistentDiskHandover disk;
    final List<FlowStep> order;
    /** The guest's named services, when the reboot keeps their state. */
    final KeptServices keep;
    private final Journal journal;
    private Phase phase;
    Instance fg;
    Instance bg;
    Optional<GuestAgent.RunningCommand> armedAttach = Optional.empty();
    double bgLaunchedAtMs = Double.NaN;
    double switchStartMs = Double.NaN;
    DiskHandover diskHandover;
    BgShareReport governed;

    /** @param fg the serving instance when this process has it already, else null (found by its id) */
    BackgroundFlow(Vm vm, RebootPlan plan, Journal journal, RebootOptions opts, Progress progress, Timings t, Instance fg) {
        this.vm = vm;
        this.plan = plan;
        this.journal = journal;
        this.opts = opts;
        this.progress = progress;
        this.t = t;
        this.disk = new PersistentDiskHandover(vm.spec());
        this.order = BackgroundSteps.order(plan.switchMode());
        this.fg = fg;
        this.keep = KeptServices.of(plan, opts, t, progress, vm.spec());
    }

    // ---- the instances, whoever started them ------------------------------------------------------

    /** FG while it runs. */
    Optional<Instance> fg() {
        if (fg == null) {
            fg = vm.instance(plan.clonePlan().fg()).orElse(null);
        }
        return Optional.ofNullable(fg).filter(Instance::alive);
    }

    /** The clone while it runs. */
    Optional<Instance> bg() {
        if (bg == null) {
            bg = vm.instance(plan.clonePlan().bg()).orElse(null);
        }
        return Optional.ofNullable(bg).filter(Instance::alive);
    }

    Instance liveFg() {
        return fg().orElseThrow(() -> new IllegalStateException("the serving instance " + plan.clonePlan().fg() + " is gone"));
    }

    Instance liveBg() {
        return bg().orElseThrow(() -> new IllegalStateException("the clone " + plan.clonePlan().bg() + " is gone"));
    }

    InstanceId cloneId() {
        return plan.clonePlan().bg();
    }

    // ---- forward ----------------------------------------------------------------------------------

    /**
     * Journals the step, then acts; the switch's span begins with its first step (the handover's
     * TakeNetwork begins it again after the clone's link step, during which FG answers everyone).
     */
    void act(FlowStep s) {
        enter(s.phase());
        journal.record(s.id());
        opts.listener().step(s.id(), t.now());
        FaultPoint.reach("before:" + s.id().key());
        if (s.phase() == Phase.SWITCH && Double.isNaN(switchStartMs)) {
            switchStartMs = t.now();
        }
        s.act(this);
        FaultPoint.reach("after:" + s.id().key());
    }

    /** The reboot is in {@code p} already (its caller said so before this flow existed). */
    void entered(Phase p) {
        phase = p;
    }

    /** Tells progress and the listener when the reboot enters another phase. */
    void enter(Phase p) {
        if (p != phase) {
            phase = p;
            progress.step(p.name());
            opts.listener().phase(p, t.now());
        }
    }

    /**
     * The clone is ready: from now on it is the VM-to-be and must not wait behind anything. What
     * can be done before the switch is done here, off the downtime: its share back to normal, the
     * engine's rehearsal, the attach hook started so that it waits for the disk.
     */
    void prepareSwitch() {
        Instance b = liveBg();
        if (opts.bgShare() != BgShare.NORMAL) {
            t.step(Part.BG_NORMAL_PRIORITY, () -> b.cpu().share(CpuShare.NORMAL));
        }
        // kept services: the clone's ports guarded and its units' starts begun (a handover's attach restores them), then a
        // last pre-dump close to the switch, so the final dump holds little
        keep.guard(b);
        if (plan.switchMode() == SwitchMode.HANDOVER) {
            keep.prime(b);
        }
        fg().ifPresent(keep::preDump);
        if (plan.switchMode() == SwitchMode.HANDOVER) { // a restored clone is a fresh instance: nothing to prepare in this one
            vm.rehearsal().get().ifPresent(r -> quietly("rehearse the switch in BG", () -> t.step(Part.REHEARSE, () -> r.before(b))));
            quietly("set BG's clock", () -> t.step(Part.SET_BG_CLOCK, () -> b.agent().setTimeFromHost()));
            armedAttach = t.step(Part.ARM_ATTACH, () -> disk.armAttach(b.agent()));
        }
        fg().ifPresent(f -> quietly("find the persistent disk's mounts in FG", () -> t.step(Part.FIND_MOUNTS,
                () -> disk.findMounts(f.agent(), vm.spec().persistentDisk().serial()))));
    }

    /**
     * Past the point of no return: the remaining steps from {@code first}, whatever they meet. A
     * step that cannot complete (the clone died, its attach hook failed twice) is not the end: the
     * VM is booted from the updated disks instead, with its persistent disk, as a cold boot would,
     * and the outcome says so. A step whose engine lost its host midway ({@link ConnectionInterrupted})
     * is done again once the host is back, as recovery would; if the host does not come back, the
     * journal stays open for {@code recover}.
     */
    Completion complete(Step first) {
        for (FlowStep s : BackgroundSteps.from(order, first)) {
            if (s.id() == Step.RETIRE) {
                if (bg().isEmpty() && vm.serving().isEmpty()) { // the whole host went down after the promotion: nothing runs
                    return coldBootUpdate(s.id(), new IllegalStateException("the clone " + cloneId() + " is gone"));
                }
                retireOrSay();
                break;
            }
            for (int redo = 0; ; redo++) {
                try {
                    act(s);
                    break;
                } catch (RuntimeException e) {
                    log.debug("switch step {} failed", s.id(), e);
                    Optional<ConnectionInterrupted> lost = ConnectionInterrupted.in(e);
                    if (lost.isPresent() && !lost.get().restored()) {
                        throw new RebootFailedException("the switch of " + vm.spec().name() + " is past its point of no return, and " + e.getMessage()
                                + ": once the host answers again, run 'bgreboot recover " + vm.spec().name() + "' to complete it");
                    }
                    if (lost.isPresent() && redo < MAX_REDO) {
                        progress.step("  " + s.id().key() + " again: " + e.getMessage()); // as recovery would: the step is safe to repeat
                        continue;
                    }
                    return coldBootUpdate(s.id(), e);
                }
            }
        }
        return bg().map(b -> new Completion(new Outcome.Switched(), b, plan.toGeneration())).orElseGet(this::coldBootedEarlier);
    }

    /**
     * Recovery finished the tidy-up of a switch that an earlier process had already replaced by a
     * cold boot (the clone is gone, the updated disks serve): the outcome is still that cold boot,
     * after the step journaled last before the tidy-up, never a switch.
     */
    private Completion coldBootedEarlier() {
        Instance serving = vm.serving().orElseThrow(() -> new IllegalStateException("the clone " + cloneId() + " is gone and no instance serves"));
        Step failed = journal.steps().stream().filter(s -> s != Step.RETIRE).reduce((a, b) -> b).orElse(Step.RETIRE);
        return new Completion(new Outcome.ColdBooted(failed, "the switch had failed there and the updated disks were cold-booted before"
                + " bgreboot was interrupted tidying up"), serving, Reboots.generation(vm, plan.toGeneration() + 1));
    }

    /** The updated disks booted with the persistent disk; {@link Outcome.Down} when even that does not become ready. */
    private Completion coldBootUpdate(Step failedAt, RuntimeException cause) {
        progress.step("the switch failed at " + failedAt.key() + " (" + cause.getMessage() + "): booting the updated system from its disks instead");
        bg().ifPresent(b -> {
            keepConsole(b, "clone");
            b.kill();
        });
        fg().ifPresent(Instance::kill);
        VmState updated = plan.to().withGeneration(plan.toGeneration() + 1);
        Instance booted;
        try {
            awaitLetGo(plan.clonePlan().bg());
            awaitLetGo(plan.clonePlan().fg());
            booted = t.step(Part.COLD_BOOT, () -> vm.coldBoot(updated, "cold boot of the updated disks, with the persistent disk", progress));
            VmBoot.await(vm, booted, progress);
            keep.status(booted); // its boot restored the kept services from their images, or started them as usual
        } catch (RuntimeException notReady) {
            return new Completion(new Outcome.Down("the switch failed at " + failedAt.key() + " (" + cause.getMessage()
                    + ") and a cold boot of the updated disks did not become ready (" + notReady.getMessage()
                    + "); its disks and persistent disk are intact: fix the guest, then run 'bgreboot vm start " + vm.spec().name() + "'"),
                    null, updated.generation());
        }
        bg = booted;
        vm.forget(plan.clonePlan().bg());
        retireOrSay();
        return new Completion(new Outcome.ColdBooted(failedAt, cause.getMessage()), booted, updated.generation());
    }

    /** The VM serves by now: a tidy-up that fails is reported with what finishes it, not undone. */
    private void retireOrSay() {
        try {
            act(BackgroundSteps.from(order, Step.RETIRE).get(0));
        } catch (RuntimeException e) {
            throw new RebootFailedException("VM " + vm.spec().name() + " serves the update, but tidying up after the switch failed ("
                    + e.getMessage() + "): run 'bgreboot recover " + vm.spec().name() + "' to finish it");
        }
    }

    // ---- back -------------------------------------------------------------------------------------

    /**
     * Undoes every step from {@code last} back to the start, each by itself so one failure does
     * not stop the others. If FG is gone, its own disks are booted again afterwards.
     *
     * @return what was done, or empty when an undo failed (the journal must then stay open)
     */
    Optional<String> rollBack(Step last) {
        if (BackgroundSteps.pastPointOfNoReturn(order, last)) {
            throw new IllegalStateException("a reboot past " + BackgroundSteps.commitStep(order).id().key() + " can only be completed");
        }
        enter(Phase.ABORT);
        quietly("resume FG", () -> fg().ifPresent(Instance::resumeIfPaused)); // even asking whether FG runs may fail: a host away
        boolean undone = true;
        for (FlowStep s : BackgroundSteps.backFrom(order, last)) {
            undone &= quietly("undo " + s.id().key(), () -> s.undo(this));
        }
        if (!undone) {
            return Optional.empty();
        }
        if (fg().isPresent()) {
            return Optional.of("rolled back: the VM kept serving, the clone was discarded");
        }
        VmState own = new VmState(plan.toGeneration() + 1, vm.clonePoint().fgLayers(plan.clonePlan()), plan.from().boot(),
                plan.from().persistentDisk());
        awaitLetGo(plan.clonePlan().fg());
        vm.forget(plan.clonePlan().fg());
        Instance booted = vm.coldBoot(own, "the VM's instance is gone: booting it again from its own disks", progress);
        booted.close();
        return Optional.of("rolled back: the VM was booted again from its own disks (its instance had died), the clone was discarded");
    }

    /**
     * A killed instance may hold the persistent disk's image a moment after its kill (the seam's
     * kill does not promise otherwise): a cold boot opens the disk only once it has let go, as the
     * switch gives it to the clone only then.
     */
    private void awaitLetGo(InstanceId id) {
        vm.instance(id).ifPresent(i -> {
            try (i) {
                i.persistentDisk().awaitReleased(BackgroundSteps.RELEASE_TIMEOUT);
            }
        });
    }

    void discardClone() {
        Optional<Instance> b = bg();
        if (b.isPresent()) {
            progress.step("discarding the clone (" + b.get().describe() + ")");
            keepConsole(b.get(), "clone");
            b.get().kill();
            b.get().close();
        } else if (bg != null) {
            keepConsole(bg, "clone"); // it ended by itself (shut down, its process died): its console says why, until it is forgotten
        }
        vm.forget(plan.clonePlan().bg());
    }

    /** A failed clone's console tells why: kept beside the journal. */
    private void keepConsole(Instance i, String what) {
        Path kept = vm.stateDir().journal().resolve("reboot-" + plan.id() + "-" + what + "-console.log");
        try {
            String text = i.console().readFrom(0);
            if (!text.isEmpty()) {
                Files.writeString(kept, text, StandardCharsets.ISO_8859_1);
                progress.step("  the " + what + "'s console log: " + kept);
            }
        } catch (IOException | RuntimeException e) {
            progress.step("  could not keep the " + what + "'s console log: " + e.getMessage());
        }
    }

    /** Runs a step that must not stop the others; false when it failed. */
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
