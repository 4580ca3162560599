package org.bgreboot.reboot;

import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.Instance;
import org.bgreboot.state.VmState;
import org.bgreboot.engine.Vm;
import org.bgreboot.ready.GuestFailedException;
import org.bgreboot.ready.NotReadyException;
import org.bgreboot.state.VmLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BackGroundReboot: PREPARE → CLONE → BG_BOOT → READY → SWITCH → DONE. FG serves until the clone
 * (BG) is ready; only the switch is downtime. Any failure, or a stop asked for, before FG is
 * stopped aborts: BG is discarded and FG left exactly as it was. After that the switch is only
 * completed. The steps themselves are {@link BackgroundFlow}'s, shared with {@link Recovery}.
 */
public final class BackgroundReboot {
    private static final Logger log = LoggerFactory.getLogger(BackgroundReboot.class);
    private static final List<Step> BEFORE_THE_SWITCH =
            List.of(Step.PREPARE_CLONE, Step.CUT, Step.CLONE_DISKS, Step.LAUNCH_CLONE, Step.AWAIT_READY);

    private final Vm vm;
    private final RebootOptions opts;
    private final Progress progress;
    private final Timings t;

    public BackgroundReboot(Vm vm, RebootOptions opts, Progress progress) {
        this.vm = vm;
        this.opts = opts;
        this.progress = progress;
        this.t = new Timings(opts.clock(), progress);
    }

    public RebootResult run() {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "reboot of " + vm.spec().name())) {
            progress.step("PREPARE");
            Prepared p = Prepared.check(vm, opts, progress);
            try (Instance fg = p.fg()) {
                RebootPlan plan = plan(p, fg);
                Journal journal = Journal.begin(vm.stateDir(), plan);
                BackgroundFlow flow = new BackgroundFlow(vm, plan, journal, opts, progress, t, fg);
                return run(p, plan, journal, flow);
            }
        }
    }

    private RebootResult run(Prepared p, RebootPlan plan, Journal journal, BackgroundFlow flow) {
        double start = t.now();
        try {
            progress.step("CLONE");
            for (Step s : BEFORE_THE_SWITCH) {
                opts.cancel().check();
                flow.act(s);
            }
            flow.prepareSwitch();
            opts.cancel().check();
            for (Step s : List.of(Step.TAKE_NETWORK, Step.RELEASE)) {
                flow.act(s);
                opts.cancel().check();
            }
        } catch (GuestFailedException | NotReadyException e) {
            return abort(p, plan, journal, flow, start, "the clone did not become ready: " + e.getMessage());
        } catch (Cancel.CancelledException e) {
            return abort(p, plan, journal, flow, start, "stopped by " + e.getMessage() + " before the switch");
        } catch (RuntimeException e) {
            log.debug("reboot failed before the switch", e);
            return abort(p, plan, journal, flow, start, e.getMessage());
        }
        BackgroundFlow.Completion done = flow.complete(Step.STOP_FG);
        journal.finish("done: " + done.action());
        progress.step("DONE: " + vm.spec().name() + " runs generation " + plan.toGeneration() + " (" + done.serving().describe() + ")"
                + (done.action().startsWith("completed") ? "" : ": " + done.action()));
        done.serving().close();
        return result(p, plan, start, Optional.empty(), plan.toGeneration(), flow);
    }

    /** ABORT: discard the clone, put FG's disks back as they were; FG never stopped serving. */
    private RebootResult abort(Prepared p, RebootPlan plan, Journal journal, BackgroundFlow flow, double start, String reason) {
        progress.step("ABORT: " + reason);
        opts.listener().aborted(t.now());
        Optional<String> undone = flow.rollBack(journal.lastStep());
        String outcome = reason;
        if (undone.isPresent() && flow.quietly("close the journal", () -> journal.finish("aborted: " + reason))) {
            progress.step("ABORT done: " + vm.spec().name() + " keeps serving on generation " + plan.fromGeneration());
        } else {
            outcome = reason + "; " + vm.spec().name() + " keeps serving, but the abort is unfinished: run 'bgreboot recover "
                    + vm.spec().name() + "' (after freeing disk space, if that was the cause)";
            progress.step("ABORT unfinished: run 'bgreboot recover " + vm.spec().name() + "'");
        }
        return result(p, plan, start, Optional.of(outcome), plan.fromGeneration(), flow);
    }

    private RebootPlan plan(Prepared p, Instance fg) {
        ClonePlan clone = vm.planClone(fg, p.state());
        VmState to = new VmState(p.state().generation() + 1, clone.bgOverlays(), p.nextBoot(), p.persistentDisk());
        return new RebootPlan(RebootPlan.newId(to.generation()), vm.spec().name(), vm.engine(), Method.BACKGROUND, opts.switchMode(),
                clone, p.state(), to);
    }

    private RebootResult result(Prepared p, RebootPlan plan, double start, Optional<String> abortReason, int generation, BackgroundFlow flow) {
        int depth = 0;
        try {
            depth = vm.chainDepth();
        } catch (RuntimeException e) {
            log.debug("chain depth unknown: {}", e.toString());
        }
        return new RebootResult(vm.spec().name(), vm.engine(), Method.BACKGROUND, opts.switchMode(), abortReason, p.installMs(),
                start, t.now(), t.steps(), t.spans(), generation, depth, flow.diskHandover(), Optional.of(opts.bgShare().label()),
                flow.governed().map(IdleGovernor.Report::throttledMs).orElse(0.0), servingNow());
    }

    /** Which instance serves the VM now, as its engine names it (a pid, a domain), for results. */
    private Optional<String> servingNow() {
        try {
            return vm.serving().map(Instance::describe);
        } catch (RuntimeException e) {
            log.debug("serving instance unknown: {}", e.toString());
            return Optional.empty();
        }
    }
}
