package org.bgreboot.reboot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.StateSaving;
import org.bgreboot.installed.PackageManager;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.ready.GuestFailedException;
import org.bgreboot.ready.Readiness;
import org.bgreboot.ready.ReadyTarget;

/**
 * The steps of a background reboot, each one object with its action beside its undo, and the order
 * they act in: a list per switch mode. FG is never stopped before the clone is ready (STOP_FG comes
 * after AWAIT_READY in both lists); STOP_FG is the point of no return.
 */
final class BackgroundSteps {
    private BackgroundSteps() {}

    /** How long a clone point waits for the guest's package manager to finish what it does. */
    static final Duration PACKAGE_MANAGER_WAIT = Duration.ofMinutes(10);

    /** How long the old QEMU may take to let go of the persistent disk once killed. */
    static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);

    private static final List<FlowStep> BEFORE_THE_SWITCH = List.of(
            new Plan(), new PrepareClone(), new Cut(), new CloneDisks(), new LaunchClone(), new AwaitReady());

    /** The handover switch: the network moves first, then the disk; nothing in it that could run before. */
    static final List<FlowStep> HANDOVER = concat(BEFORE_THE_SWITCH,
            new TakeNetwork(), new Release(), new StopFg(), new PlugDisk(), new Attach(), new Promote(), new Retire());

    /** The paper-faithful switch: the clone is saved whole and restored into a fresh instance, which then takes the network. */
    static final List<FlowStep> RESTORE = concat(BEFORE_THE_SWITCH,
            new Release(), new StopFg(), new RestoreClone(), new PlugDisk(), new Attach(), new Promote(), new Retire());

    static List<FlowStep> order(SwitchMode mode) {
        return mode == SwitchMode.RESTORE ? RESTORE : HANDOVER;
    }

    /** The step named {@code id} in {@code order}; a journal naming a step the mode has not was written by another bgreboot. */
    static int indexOf(List<FlowStep> order, Step id) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).id() == id) {
                return i;
            }
        }
        throw new IllegalStateException("step " + id.key() + " is no step of this switch mode's flow");
    }

    /** The step that is the point of no return. */
    static FlowStep commitStep(List<FlowStep> order) {
        return order.stream().filter(FlowStep::commits).findFirst().orElseThrow();
    }

    /** Whether {@code id} is the point of no return or after it: such a reboot can only be completed. */
    static boolean pastPointOfNoReturn(List<FlowStep> order, Step id) {
        return indexOf(order, id) >= indexOf(order, commitStep(order).id());
    }

    /** The steps from {@code first} to the end, in order. */
    static List<FlowStep> from(List<FlowStep> order, Step first) {
        return order.subList(indexOf(order, first), order.size());
    }

    /** The steps from {@code last} back to the start, in the order they are undone. */
    static List<FlowStep> backFrom(List<FlowStep> order, Step last) {
        List<FlowStep> back = new ArrayList<>(order.subList(0, indexOf(order, last) + 1));
        java.util.Collections.reverse(back);
        return back;
    }

    private static List<FlowStep> concat(List<FlowStep> first, FlowStep... rest) {
        List<FlowStep> all = new ArrayList<>(first);
        all.addAll(List.of(rest));
        return List.copyOf(all);
    }

    // ---- before the switch ------------------------------------------------------------------------

    /** Journaled before anything is created: recovery knows the plan from here on. */
    static final class Plan implements FlowStep {
        @Override public Step id() {
            return Step.PLAN;
        }

        @Override public Phase phase() {
            return Phase.PREPARE;
        }

        /** Kept services: FG armed before the clone point, so the clone is cut from an armed system disk. */
        @Override public void act(BackgroundFlow f) {
            f.fg().ifPresent(f.keep::arm);
        }

        @Override public void undo(BackgroundFlow f) {
            f.fg().ifPresent(f.keep::disarm);
        }
    }

    /** FG's scratch layers made and opened, while FG runs. */
    static final class PrepareClone implements FlowStep {
        @Override public Step id() {
            return Step.PREPARE_CLONE;
        }

        @Override public Phase phase() {
            return Phase.CLONE;
        }

        @Override public void act(BackgroundFlow f) {
            f.t.step(Part.PREPARE_SCRATCH, () -> f.vm.clonePoint().prepare(f.liveFg(), f.plan.clonePlan()));
        }

        @Override public void undo(BackgroundFlow f) {
            f.fg().ifPresent(fg -> f.vm.clonePoint().undo(fg, f.plan.clonePlan()));
        }
    }

    /**
     * The clone point. FG's dirty pages are flushed first, while it runs; then the cut alone is FG's
     * pause, and the clone boots from a crash-consistent system disk (its journal replays a sync's
     * worth at most). With {@code quiesce}, FG's system-disk filesystems are frozen around the cut
     * instead, at the cost of two more agent round trips in the pause. The persistent disk is not
     * cloned, so it is never frozen here: the service keeps writing.
     */
    static final class Cut implements FlowStep {
        @Override public Step id() {
            return Step.CUT;
        }

        @Override public Phase phase() {
            return Phase.CLONE;
        }

        @Override public void act(BackgroundFlow f) {
            Instance fg = f.liveFg();
            PackageManager.awaitIdle(fg.agent(), PACKAGE_MANAGER_WAIT,
                    () -> f.progress.step("  the guest's package manager is at work: waiting for it before the clone point"));
            Optional<List<String>> mounts = f.opts.quiesce()
                    ? GuestMounts.system(fg.agent(), f.vm.spec().persistentDisk().serial(), BackgroundFlow.AGENT_OP) : Optional.empty();
            f.t.step(Part.SYNC_FG, () -> fg.agent().exec(List.of("sync"), BackgroundFlow.AGENT_OP));
            double start = f.t.now();
            if (f.opts.quiesce()) {
                try {
                    f.t.step(Part.FREEZE_FG, mounts.map(m -> String.join(" ", m)).orElse("all filesystems"), () -> mounts.isPresent()
                            ? fg.agent().fsfreezeFreeze(mounts.get(), BackgroundFlow.AGENT_OP) : fg.agent().fsfreezeFreeze(BackgroundFlow.AGENT_OP));
                    f.t.step(Part.CUT, () -> f.vm.clonePoint().cut(fg, f.plan.clonePlan()));
                } finally {
                    f.t.step(Part.THAW_FG, () -> fg.agent().fsfreezeThaw(BackgroundFlow.AGENT_OP));
                }
            } else {
                f.t.step(Part.CUT, () -> f.vm.clonePoint().cut(fg, f.plan.clonePlan()));
            }
            f.t.span(Span.FG_PAUSE, start, f.t.now());
            PackageManager.busy(fg.agent(), BackgroundFlow.AGENT_OP).ifPresent(held -> {
                throw new PackageManager.PackageManagerBusy("the guest's package manager took " + held
                        + " at the clone point: a clone of a half-installed system is never booted; try again");
            });
            f.vm.spec().update().flatMap(VmSpec.Update::fromGuest).filter(g -> GuestKernelFetch.fetched(f.plan.to().boot(), f.vm.stateDir().path()))
                    .ifPresent(g -> f.t.step(Part.FETCH_KERNEL, g.kernel(), () -> GuestKernelFetch.fetch(fg.agent(), g, f.plan.to().boot().get())));
        }

        /** A freeze that timed out may still have happened; a kernel fetched for the clone goes. */
        @Override public void undo(BackgroundFlow f) {
            f.fg().ifPresent(fg -> fg.agent().fsfreezeThaw(BackgroundFlow.AGENT_OP));
            f.plan.to().boot().filter(b -> GuestKernelFetch.fetched(Optional.of(b), f.vm.stateDir().path())).ifPresent(GuestKernelFetch::delete);
        }
    }

    static final class CloneDisks implements FlowStep {
        @Override public Step id() {
            return Step.CLONE_DISKS;
        }

        @Override public Phase phase() {
            return Phase.CLONE;
        }

        @Override public void act(BackgroundFlow f) {
            f.t.step(Part.CLONE_OVERLAYS, () -> f.vm.clonePoint().createCloneDisks(f.plan.clonePlan()));
        }

        @Override public void undo(BackgroundFlow f) {
            f.vm.clonePoint().deleteCloneDisks(f.plan.clonePlan());
        }
    }

    static final class LaunchClone implements FlowStep {
        @Override public Step id() {
            return Step.LAUNCH_CLONE;
        }

        @Override public Phase phase() {
            return Phase.BG_BOOT;
        }

        @Override public void act(BackgroundFlow f) {
            f.progress.step("  the clone runs at " + switch (f.opts.bgShare()) {
                case IDLE -> "idle priority on the last CPU";
                case ADAPTIVE -> "idle priority, capped while FG is busy";
                case NORMAL -> "normal priority";
            });
            f.bgLaunchedAtMs = f.t.now();
            f.bg = f.t.step(Part.LAUNCH_CLONE, () -> f.vm.launchClone(f.plan.clonePlan(), f.plan.to(), f.opts.bgShare().launchShare()));
            f.opts.listener().cloneLaunched(f.bg, f.t.now());
            f.fg().ifPresent(f.keep::preDump); // while the clone boots: the first of a chain, the whole memory
        }

        @Override public void undo(BackgroundFlow f) {
            f.discardClone();
        }
    }

    /** Every readiness check of the spec, under one timeout, while the governor keeps the clone in FG's idle time. */
    static final class AwaitReady implements FlowStep {
        @Override public Step id() {
            return Step.AWAIT_READY;
        }

        @Override public Phase phase() {
            return Phase.READY;
        }

        @Override public void act(BackgroundFlow f) {
            f.progress.step("  waiting for the clone (timeout " + f.vm.spec().ready().timeout().toSeconds() + " s)");
            // a clone that died before this wait began failed to become ready, as one that dies during it does
            Instance b = f.bg().orElseThrow(() -> new GuestFailedException("the clone " + f.cloneId() + " exited before it was ready"));
            Duration deadline = f.opts.deadline(f.vm.spec().ready().timeout());
            // FG may die while its clone boots: the clone is then the VM-to-be, and nothing is left to govern for
            BgShare share = f.fg().isPresent() ? f.opts.bgShare() : BgShare.IDLE;
            try (ReadyTarget target = new ReadyTarget(b, 0, f.opts.cancel()::check)) {
                IdleGovernor governor = IdleGovernor.start(share, f.fg().orElse(b), b, deadline);
                try {
                    Readiness.of(f.vm.spec().ready()).await(target, passed ->
                            f.progress.step(String.format("  ready: %-40s %8.0f ms", passed.check(), passed.atMs())));
                } finally {
                    governor.close();
                    f.governed = governor.report();
                }
            }
            BgShareReport g = f.governed;
            if (g.requested() == BgShare.ADAPTIVE) {
                f.progress.step(g.effective() != g.requested() ? "  clone not capped: " + g.note()
                        : String.format("  clone capped %.1f s of its boot while FG was busy (%s)%s", g.cappedWindowsMs() / 1000,
                                Double.isNaN(g.cappedMs()) ? g.note() : String.format("the host held it back %.1f s", g.cappedMs() / 1000),
                                g.deadlineReached() ? "; fair share after the deadline" : ""));
            }
            double ready = f.t.now();
            f.opts.listener().cloneReady(ready);
            f.t.span(Span.BG_BOOT, f.bgLaunchedAtMs, ready);
            f.progress.step(String.format("  clone ready after %.1f s", (ready - f.bgLaunchedAtMs) / 1000));
        }
    }

    // ---- the switch -------------------------------------------------------------------------------

    /**
     * The clone takes the network while FG still runs and still has the disk: new clients reach the
     * clone at once (what needs no disk is answered, writes fail fast until the disk is mounted), and
     * FG answers what it had already accepted, writes included, before anything is frozen. With FG
     * stopped first, whatever a client sent between FG's end and the clone's link went nowhere, and
     * the client waited out TCP's 1-s retry (on a bridge nearly always); with the disk frozen first,
     * a write FG had accepted hung until its client gave up. First of all the clone's link comes up
     * where it could not before the switch (user networking), and its guest is waited for until it
     * sends, FG answering everyone meanwhile: that wait is not in the switch's span. Undone by giving
     * the network back to FG.
     */
    static final class TakeNetwork implements FlowStep {
        @Override public Step id() {
            return Step.TAKE_NETWORK;
        }

        @Override public Phase phase() {
            return Phase.SWITCH;
        }

        @Override public void act(BackgroundFlow f) {
            Optional<Instance> fg = f.fg();
            f.t.stepSaying(Part.BG_LINK_UP, () -> f.liveBg().network().linkUp());
            // FG answered everyone while the clone's link came up: the switch's span, what clients could notice, begins now
            f.switchStartMs = f.t.now();
            fg.ifPresent(i -> f.t.step(Part.FG_HANDS_OVER, i.network()::handOver));
            f.t.step(Part.BG_TAKES_NETWORK, () -> f.liveBg().network().take());
            fg.ifPresent(i -> f.t.step(Part.FG_DRAINS, i.network()::drain));
        }

        @Override public void undo(BackgroundFlow f) {
            f.bg().ifPresent(b -> b.network().release());
            f.fg().ifPresent(fg -> fg.network().take());
        }
    }

    /** FG lets go of the persistent disk in the guest (a freeze, or its release hook); it keeps answering what does not need it. */
    static final class Release implements FlowStep {
        @Override public Step id() {
            return Step.RELEASE;
        }

        @Override public Phase phase() {
            return Phase.SWITCH;
        }

        @Override public void act(BackgroundFlow f) {
            Optional<Instance> fg = f.fg();
            if (fg.isEmpty()) {
                f.progress.step("  FG's instance died while the clone booted: the clone takes over at once");
                return;
            }
            f.keep.dump(fg.get()); // kept services: the final dump, on the disk before it goes; they are left stopped
            f.t.step(f.disk.releasesByFreeze() ? Part.RELEASE_FREEZE : Part.RELEASE_HOOK, () -> f.disk.release(fg.get().agent()));
        }

        /** Kept services resume first: the attach hook (in unrelease) must find them running, not stopped. */
        @Override public void undo(BackgroundFlow f) {
            f.fg().ifPresent(fg -> {
                f.keep.resume(fg);
                f.disk.unrelease(fg.agent());
            });
        }
    }

    /**
     * The point of no return. Nothing of FG is kept: its persistent-disk writes are flushed (the
     * release synced, and a guest flush makes QEMU write back even its metadata), its scratch layers
     * are discarded. So it is killed rather than shut down: a graceful quit only adds downtime. Its
     * persistent disk goes to the clone only once FG has let go of it, as seen from outside.
     */
    static final class StopFg implements FlowStep {
        @Override public Step id() {
            return Step.STOP_FG;
        }

        @Override public Phase phase() {
            return Phase.SWITCH;
        }

        @Override public boolean commits() {
            return true;
        }

        @Override public void act(BackgroundFlow f) {
            f.opts.cancel().commit();
            f.t.instant(Span.FG_STOPPED);
            // the instance killed is the one awaited: looking it up again cost a libvirt host ~0.2-0.8 s of downtime
            f.fg().ifPresent(i -> {
                f.t.step(Part.STOP_FG, i::kill);
                f.t.step(Part.FG_LETS_GO, () -> i.persistentDisk().awaitReleased(RELEASE_TIMEOUT));
            });
        }
    }

    /** The paper-faithful switch: the clone's whole state saved and loaded into a fresh instance, which then takes the network. */
    static final class RestoreClone implements FlowStep {
        @Override public Step id() {
            return Step.RESTORE_CLONE;
        }

        @Override public Phase phase() {
            return Phase.SWITCH;
        }

        @Override public void act(BackgroundFlow f) {
            Instance b = f.liveBg();
            if (b.id().equals(f.plan.clonePlan().bg())) { // else restored already (recovery after a crash in this step)
                StateSaving saving = f.vm.stateSaving().get().orElseThrow(() -> new UserError("the " + f.vm.engine()
                        + " engine cannot save and restore an instance (" + f.vm.stateSaving().why() + "): use --switch handover"));
                f.bg = f.t.step(Part.SAVE_RESTORE, () -> saving.saveAndRestore(b, Duration.ofMinutes(10)));
            }
            f.t.stepSaying(Part.BG_LINK_UP, () -> f.liveBg().network().linkUp());
            f.t.step(Part.BG_TAKES_NETWORK, () -> f.liveBg().network().take());
        }
    }

    static final class PlugDisk implements FlowStep {
        @Override public Step id() {
            return Step.PLUG_DISK;
        }

        @Override public Phase phase() {
            return Phase.SWITCH;
        }

        @Override public void act(BackgroundFlow f) {
            f.diskHandover = f.t.step(Part.TAKE_DISK, () -> f.liveBg().persistentDisk().take());
        }
    }

    /** The clone mounts the disk and starts what uses it: the VM has its network and its disk, the switch is over. */
    static final class Attach implements FlowStep {
        @Override public Step id() {
            return Step.ATTACH;
        }

        @Override public Phase phase() {
            return Phase.SWITCH;
        }

        @Override public void act(BackgroundFlow f) {
            f.t.step(Part.ATTACH_HOOK, () -> f.disk.attach(f.liveBg().agent(), f.armedAttach));
            if (!Double.isNaN(f.switchStartMs)) {
                f.t.span(Span.SWITCH, f.switchStartMs, f.t.now());
            }
            f.bg().ifPresent(f.keep::status); // after the switch: the attach hook restored the kept services, or started them
        }
    }

    /** The clone is the VM. Its clock was set before the switch; a restored clone's stood still meanwhile. */
    static final class Promote implements FlowStep {
        @Override public Step id() {
            return Step.PROMOTE;
        }

        @Override public Phase phase() {
            return Phase.SWITCH;
        }

        @Override public void act(BackgroundFlow f) {
            Instance b = f.liveBg();
            f.vm.promote(b, f.plan.to());
            if (f.plan.switchMode() == SwitchMode.RESTORE || f.armedAttach.isEmpty()) {
                f.quietly("set BG's clock", () -> f.t.step(Part.SET_BG_CLOCK, () -> b.agent().setTimeFromHost()));
            }
        }
    }

    /** DONE: the old instance's remains and the old layers go; the chain stays short. */
    static final class Retire implements FlowStep {
        @Override public Step id() {
            return Step.RETIRE;
        }

        @Override public Phase phase() {
            return Phase.DONE;
        }

        @Override public void act(BackgroundFlow f) {
            Instance serving = f.bg().or(() -> f.vm.serving()).orElseThrow(() -> new IllegalStateException("no instance serves"));
            f.vm.rehearsal().get().ifPresent(r -> f.quietly("tidy the clone's rehearsal", () -> r.after(serving)));
            double start = f.t.now();
            f.t.step(Part.STREAM, () -> f.vm.clonePoint().retire(serving, f.plan.clonePlan()));
            f.t.span(Span.STREAM, start, f.t.now());
            f.vm.forget(f.plan.clonePlan().fg());
            f.plan.from().boot().filter(b -> GuestKernelFetch.fetched(Optional.of(b), f.vm.stateDir().path())).ifPresent(GuestKernelFetch::delete);
        }
    }
}
