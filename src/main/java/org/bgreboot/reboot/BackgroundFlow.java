package org.bgreboot.reboot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bgreboot.FaultPoint;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.Vm;
import org.bgreboot.ready.Readiness;
import org.bgreboot.ready.ReadyTarget;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.state.VmState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background reboot's steps, each written once with its undo, over the engine seam. A reboot
 * runs them forward; a failure before FG is stopped undoes them back; recovery (a later process,
 * after a crash) builds one from the journal and replays from its last step, forward or back. So
 * every step and every undo looks at what exists before it acts, and instances are found again by
 * their ids when this process did not start them.
 *
 * <p>Every step passes two fault points, {@code before:<step>} (journaled, not yet acting) and
 * {@code after:<step>}, where a test can make bgreboot die as by SIGKILL.
 */
final class BackgroundFlow {
    private static final Logger log = LoggerFactory.getLogger(BackgroundFlow.class);
    private static final Duration AGENT_OP = Duration.ofSeconds(10);

    /** How a switch that went past its point of no return ended. */
    record Completion(String action, Instance serving) {}

    private final Vm vm;
    private final RebootPlan plan;
    private final Journal journal;
    private final RebootOptions opts;
    private final Progress progress;
    private final Timings t;
    private final PersistentDiskHandover disk;
    private Instance fg;
    private Instance bg;
    private Optional<GuestAgent.RunningCommand> armedAttach = Optional.empty();
    private double bgLaunchedAtMs = Double.NaN;
    private double switchStartMs = Double.NaN;
    private String diskHandover;
    private IdleGovernor.Report governed;

    /** @param fg the serving instance when this process has it already, else null (found by its id) */
    BackgroundFlow(Vm vm, RebootPlan plan, Journal journal, RebootOptions opts, Progress progress, Timings t, Instance fg) {
        this.vm = vm;
        this.plan = plan;
        this.journal = journal;
        this.opts = opts;
        this.progress = progress;
        this.t = t;
        this.disk = new PersistentDiskHandover(vm.spec());
        this.fg = fg;
    }

    // ---- the instances, whoever started them ------------------------------------------------------

    /** FG while it runs. */
    private Optional<Instance> fg() {
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

    private Instance liveFg() {
        return fg().orElseThrow(() -> new IllegalStateException("the serving instance " + plan.clonePlan().fg() + " is gone"));
    }

    private Instance liveBg() {
        return bg().orElseThrow(() -> new IllegalStateException("the clone " + plan.clonePlan().bg() + " is gone"));
    }

    // ---- forward ----------------------------------------------------------------------------------

    /** Journals the step, then acts. */
    void act(Step s) {
        journal.record(s);
        FaultPoint.reach("before:" + s.name().toLowerCase(Locale.ROOT));
        forward(s);
        FaultPoint.reach("after:" + s.name().toLowerCase(Locale.ROOT));
    }

    private void forward(Step s) {
        switch (s) {
            case PLAN -> { }
            case PREPARE_CLONE -> t.step("prepare FG scratch overlays", () -> vm.clonePoint().prepare(liveFg(), plan.clonePlan()));
            case CUT -> cut();
            case CLONE_DISKS -> t.step("create clone overlays", () -> vm.clonePoint().createCloneDisks(plan.clonePlan()));
            case LAUNCH_CLONE -> launchClone();
            case AWAIT_READY -> awaitReady();
            case RELEASE -> release();
            case STOP_FG -> stopFg();
            case RESTORE_CLONE -> restoreClone();
            case PLUG_DISK -> diskHandover = t.step("give BG the persistent disk", () -> liveBg().plugPersistentDisk());
            case TAKE_NETWORK -> takeNetwork();
            case ATTACH -> {
                t.step("attach hook in BG", () -> disk.attach(liveBg().agent(), armedAttach));
                if (!Double.isNaN(switchStartMs)) {
                    t.span(Span.SWITCH, switchStartMs, t.now()); // the VM has its network and its disk
                }
            }
            case PROMOTE -> promote();
            case RETIRE -> retire();
            default -> throw new IllegalArgumentException(s + " is not a step of a background reboot");
        }
    }

    /**
     * CLONE: the clone point. FG's dirty pages are flushed first, while it runs; then the cut alone
     * is FG's pause, and the clone boots from a crash-consistent system disk (its journal replays a
     * sync's worth at most). With {@code quiesce}, FG's system-disk filesystems are frozen around the
     * cut instead, at the cost of two more agent round trips in the pause. The persistent disk is
     * not cloned, so it is never frozen here: the service keeps writing.
     */
    private void cut() {
        Instance f = liveFg();
        Optional<List<String>> mounts = opts.quiesce()
                ? GuestMounts.system(f.agent(), vm.spec().persistentDisk().serial(), AGENT_OP) : Optional.empty();
        t.step("sync FG filesystems", () -> f.agent().exec(List.of("sync"), AGENT_OP));
        double start = t.now();
        if (opts.quiesce()) {
            try {
                t.step("freeze " + mounts.map(m -> String.join(" ", m)).orElse("all filesystems"), () -> mounts.isPresent()
                        ? f.agent().fsfreezeFreeze(mounts.get(), AGENT_OP) : f.agent().fsfreezeFreeze(AGENT_OP));
                t.step("cut the clone point", () -> vm.clonePoint().cut(f, plan.clonePlan()));
            } finally {
                t.step("thaw", () -> f.agent().fsfreezeThaw(AGENT_OP));
            }
        } else {
            t.step("cut the clone point", () -> vm.clonePoint().cut(f, plan.clonePlan()));
        }
        t.span(Span.FG_PAUSE, start, t.now());
    }

    private void launchClone() {
        progress.step("BG_BOOT (" + switch (opts.bgShare()) {
            case IDLE -> "idle priority on the last CPU";
            case ADAPTIVE -> "idle priority, capped while FG is busy";
            case NORMAL -> "normal priority";
        } + ")");
        bgLaunchedAtMs = t.now();
        bg = t.step("launch clone", () -> vm.launchClone(plan.clonePlan(), plan.to(), opts.bgShare().launchShare()));
        opts.listener().cloneLaunched(bg, t.now());
    }

    private void awaitReady() {
        progress.step("READY: waiting for the clone (timeout " + vm.spec().ready().timeout().toSeconds() + " s)");
        Instance b = liveBg();
        Duration deadline = opts.deadline(vm.spec().ready().timeout());
        // FG may die while its clone boots: the clone is then the VM-to-be, and nothing is left to govern for
        BgShare share = fg().isPresent() ? opts.bgShare() : BgShare.IDLE;
        try (ReadyTarget target = new ReadyTarget(b, 0, opts.cancel()::check);
             IdleGovernor governor = IdleGovernor.start(share, fg().orElse(b), b, deadline)) {
            try {
                Readiness.of(vm.spec().ready()).await(target, passed ->
                        progress.step(String.format("  ready: %-40s %8.0f ms", passed.check(), passed.atMs())));
            } finally {
                governed = governor.report(opts.bgShare());
            }
        }
        if (opts.bgShare() == BgShare.ADAPTIVE) {
            progress.step(String.format("  clone capped %.1f s of its boot while FG was busy%s%s", governed.throttledMs() / 1000,
                    governed.deadlineReached() ? "; fair share after the deadline" : "", governed.note().isEmpty() ? "" : "; " + governed.note()));
        }
        double ready = t.now();
        opts.listener().cloneReady(ready);
        t.span(Span.BG_BOOT, bgLaunchedAtMs, ready);
        progress.step(String.format("  clone ready after %.1f s", (ready - bgLaunchedAtMs) / 1000));
    }

    /**
     * The clone is ready: from now on it is the VM-to-be and must not wait behind anything. What
     * can be done before the switch is done here, off the downtime: its share back to normal, the
     * engine's rehearsal, the attach hook started so that it waits for the disk.
     */
    void prepareSwitch() {
        Instance b = liveBg();
        if (opts.bgShare() != BgShare.NORMAL) {
            t.step("normal priority for BG", () -> b.share(CpuShare.NORMAL));
        }
        if (plan.switchMode() == SwitchMode.HANDOVER) { // a restored clone is a fresh instance: nothing to prepare in this one
            quietly("rehearse the switch in BG", () -> t.step("rehearse the switch in BG", () -> vm.beforeSwitch(b)));
            quietly("set BG's clock", () -> t.step("set BG clock", () -> b.agent().setTimeFromHost()));
            armedAttach = t.step("arm attach hook in BG", () -> disk.armAttach(b.agent()));
        }
        fg().ifPresent(f -> quietly("find the persistent disk's mounts in FG", () -> t.step("find persistent mounts in FG",
                () -> disk.findMounts(f.agent(), vm.spec().persistentDisk().serial()))));
    }

    /**
     * The switch begins: new clients reach the clone from here on, and FG answers what it had
     * accepted (until it has sent nothing for a moment) while it still has the disk. A restored
     * clone is not running yet: it takes the network once it is (RESTORE_CLONE).
     */
    private void takeNetwork() {
        progress.step("SWITCH");
        switchStartMs = t.now();
        if (plan.switchMode() == SwitchMode.RESTORE) {
            return;
        }
        Optional<Instance> f = fg();
        f.ifPresent(i -> t.step("FG hands the network over", i::handOverNetwork));
        t.step("BG takes the network", () -> liveBg().takeNetwork());
        f.ifPresent(i -> t.step("FG answers what it had", i::drain));
    }

    /** FG lets go of the persistent disk; it keeps answering what does not need it. */
    private void release() {
        Optional<Instance> f = fg();
        if (f.isEmpty()) {
            progress.step("  FG's instance died while the clone booted: the clone takes over at once");
            return;
        }
        t.step(disk.releasesByFreeze() ? "freeze persistent disk in FG" : "release hook in FG", () -> disk.release(f.get().agent()));
    }

    /**
     * Nothing of FG is kept: its persistent-disk writes are flushed (the release synced, and a
     * guest flush makes QEMU write back even its metadata), its scratch layers are discarded. So it
     * is killed rather than shut down: a graceful quit only adds downtime.
     */
    private void stopFg() {
        opts.cancel().commit();
        t.instant(Span.FG_STOPPED);
        fg().ifPresent(f -> t.step("stop FG for good", f::kill));
    }

    /** The paper-faithful switch: the clone's whole state saved and loaded into a fresh instance. */
    private void restoreClone() {
        if (plan.switchMode() != SwitchMode.RESTORE) {
            return;
        }
        Instance b = liveBg();
        if (b.id().equals(plan.clonePlan().bg())) { // else restored already (recovery after a crash in this step)
            bg = t.step("save and restore the clone", () -> b.stateSaving().orElseThrow(() ->
                    new UserError("the " + vm.engine() + " engine cannot save and restore an instance: use --switch handover"))
                    .saveAndRestore(Duration.ofMinutes(10)));
        }
        t.step("BG takes the network", () -> liveBg().takeNetwork());
    }

    /** The clone is the VM. Its clock was set before the switch; a restored clone's stood still meanwhile. */
    private void promote() {
        Instance b = liveBg();
        vm.promote(b, plan.to());
        if (plan.switchMode() == SwitchMode.RESTORE || armedAttach.isEmpty()) {
            quietly("set BG's clock", () -> t.step("set BG clock", () -> b.agent().setTimeFromHost()));
        }
    }

    /** What the idle governor did while the clone booted, once it has booted. */
    Optional<IdleGovernor.Report> governed() {
        return Optional.ofNullable(governed);
    }

    /** How the persistent disk reached the clone ("swap", "hot-plug"), once it has. */
    Optional<String> diskHandover() {
        return Optional.ofNullable(diskHandover);
    }

    /** DONE: the old instance's remains and the old layers go; the chain stays short. */
    private void retire() {
        Instance serving = bg().or(() -> vm.serving()).orElseThrow(() -> new IllegalStateException("no instance serves"));
        quietly("tidy the clone's rehearsal", () -> vm.afterSwitch(serving));
        double start = t.now();
        t.step("stream old layer into new overlay", () -> vm.clonePoint().retire(serving, plan.clonePlan()));
        t.span(Span.STREAM, start, t.now());
        vm.forget(plan.clonePlan().fg());
    }

    /**
     * Past the point of no return: the remaining steps from {@code first}, whatever they meet. A
     * step that cannot complete (the clone died, its attach hook failed twice) is not the end: the
     * VM is booted from the updated disks instead, with its persistent disk, as a cold boot would.
     *
     * @throws RebootFailedException only when even that did not bring a serving VM; it says so and what to do
     */
    Completion complete(Step first) {
        for (Step s : Step.from(first)) {
            if (s == Step.RETIRE) {
                retireOrSay();
                break;
            }
            try {
                act(s);
            } catch (RuntimeException e) {
                log.debug("switch step {} failed", s, e);
                return coldBootUpdate(s, e);
            }
        }
        return new Completion("completed the switch: the clone is the VM", liveBg());
    }

    private Completion coldBootUpdate(Step failedAt, RuntimeException cause) {
        progress.step("the switch failed at " + failedAt.name().toLowerCase(Locale.ROOT) + " (" + cause.getMessage()
                + "): booting the updated system from its disks instead");
        bg().ifPresent(b -> {
            keepConsole(b, "clone");
            b.kill();
        });
        fg().ifPresent(Instance::kill);
        VmState updated = plan.to().withGeneration(plan.toGeneration() + 1);
        Instance booted = vm.coldBoot(updated, "cold boot of the updated disks, with the persistent disk", progress);
        try {
            VmBoot.await(vm, booted, progress);
        } catch (UserError notReady) {
            journal.finish("failed: the VM is down: " + notReady.getMessage());
            throw new RebootFailedException("VM " + vm.spec().name() + " is down: the switch failed (" + cause.getMessage()
                    + ") and a cold boot of the updated disks did not become ready (" + notReady.getMessage()
                    + "); its disks and persistent disk are intact: fix the guest, then run 'bgreboot vm start " + vm.spec().name() + "'");
        }
        bg = booted;
        vm.forget(plan.clonePlan().bg());
        retireOrSay();
        return new Completion("the switch failed at " + failedAt.name().toLowerCase(Locale.ROOT)
                + ", so the updated disks were cold-booted: the VM serves the update", booted);
    }

    /** The VM serves by now: a tidy-up that fails is reported with what finishes it, not undone. */
    private void retireOrSay() {
        try {
            act(Step.RETIRE);
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
        if (last.pastPointOfNoReturn()) {
            throw new IllegalStateException("a reboot past " + Step.STOP_FG + " can only be completed");
        }
        fg().ifPresent(f -> quietly("resume FG", f::resumeIfPaused));
        boolean undone = true;
        for (Step s : Step.backFrom(last)) {
            undone &= quietly("undo " + s.name().toLowerCase(Locale.ROOT), () -> undo(s));
        }
        if (!undone) {
            return Optional.empty();
        }
        if (fg().isPresent()) {
            return Optional.of("rolled back: the VM kept serving, the clone was discarded");
        }
        VmState own = new VmState(plan.toGeneration() + 1, vm.clonePoint().fgLayers(plan.clonePlan()), plan.from().boot(),
                plan.from().persistentDisk());
        vm.forget(plan.clonePlan().fg());
        Instance booted = vm.coldBoot(own, "the VM's instance is gone: booting it again from its own disks", progress);
        booted.close();
        return Optional.of("rolled back: the VM was booted again from its own disks (its instance had died), the clone was discarded");
    }

    private void undo(Step s) {
        switch (s) {
            case PLAN, AWAIT_READY -> { }
            case TAKE_NETWORK -> {
                bg().ifPresent(Instance::releaseNetwork);
                fg().ifPresent(Instance::takeNetwork);
            }
            case RELEASE -> fg().ifPresent(f -> disk.unrelease(f.agent()));
            case LAUNCH_CLONE -> discardClone();
            case CLONE_DISKS -> vm.clonePoint().deleteCloneDisks(plan.clonePlan());
            case CUT -> fg().ifPresent(f -> f.agent().fsfreezeThaw(AGENT_OP)); // a freeze that timed out may still have happened
            case PREPARE_CLONE -> fg().ifPresent(f -> vm.clonePoint().undo(f, plan.clonePlan()));
            default -> throw new IllegalStateException(s + " cannot be undone");
        }
    }

    private void discardClone() {
        Optional<Instance> b = bg();
        if (b.isPresent()) {
            progress.step("discarding the clone (" + b.get().describe() + ")");
            keepConsole(b.get(), "clone");
            b.get().kill();
            b.get().close();
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

    InstanceId cloneId() {
        return plan.clonePlan().bg();
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
