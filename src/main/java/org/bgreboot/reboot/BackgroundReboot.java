package org.bgreboot.reboot;

import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.ready.GuestFailedException;
import org.bgreboot.ready.NotReadyException;
import org.bgreboot.state.VmLock;
import org.bgreboot.state.VmState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BackGroundReboot: PREPARE → CLONE → BG_BOOT → READY → SWITCH → DONE. FG serves until the clone
 * (BG) is ready; only the switch is downtime. Any failure, or a stop asked for, before the point of
 * no return aborts: BG is discarded and FG left exactly as it was. After it the switch is only
 * completed. The steps are {@link BackgroundSteps}', run by a {@link BackgroundFlow}, shared with {@link Recovery}.
 */
public final class BackgroundReboot {
    private static final Logger log = LoggerFactory.getLogger(BackgroundReboot.class);

    private final Vm vm;
    private final RebootOptions opts;
    private final Progress progress;
    private final Timings t;

    public BackgroundReboot(Vm vm, RebootOptions opts, Progress progress) {
        this.vm = vm;
        this.opts = opts;
        this.progress = progress;
        this.t = new Timings(opts.clock(), progress, opts.listener());
    }

    public RebootResult run() {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "reboot of " + vm.spec().name())) {
            progress.step("PREPARE");
            opts.listener().phase(Phase.PREPARE, t.now());
            Prepared p;
            try {
                p = Prepared.check(vm, opts, progress);
            } catch (Cancel.CancelledException e) {
                return Reboots.stoppedWhilePreparing(vm, opts, t, progress, e.getMessage());
            }
            try (Instance fg = p.fg()) {
                RebootPlan plan = plan(p, fg);
                Journal journal = Journal.begin(vm.stateDir(), plan);
                BackgroundFlow flow = new BackgroundFlow(vm, plan, journal, opts, progress, t, fg);
                flow.keep.known(p.kept());
                flow.entered(Phase.PREPARE);
                return run(p, plan, journal, flow);
            }
        }
    }

    private RebootResult run(Prepared p, RebootPlan plan, Journal journal, BackgroundFlow flow) {
        double start = t.now();
        FlowStep commit = BackgroundSteps.commitStep(flow.order);
        boolean switchPrepared = false;
        try {
            for (FlowStep s : flow.order) {
                if (s == commit) {
                    break;
                }
                opts.cancel().check();
                if (s.phase() == Phase.SWITCH && !switchPrepared) {
                    flow.prepareSwitch(); // off the downtime: the switch's first step is its start
                    switchPrepared = true;
                    opts.cancel().check();
                }
                flow.act(s);
            }
            opts.cancel().check();
        } catch (GuestFailedException | NotReadyException e) {
            return abort(p, plan, journal, flow, start, "the clone did not become ready: " + e.getMessage(), Optional.empty());
        } catch (Cancel.CancelledException e) {
            return abort(p, plan, journal, flow, start, "stopped by " + e.getMessage() + " before the switch", Optional.of(e.getMessage()));
        } catch (RuntimeException e) {
            log.debug("reboot failed before the switch", e);
            return abort(p, plan, journal, flow, start, e.getMessage(), Optional.empty());
        }
        BackgroundFlow.Completion done = flow.complete(commit.id());
        journal.finish(done.outcome());
        progress.step("DONE: " + vm.spec().name() + " runs generation " + done.generation()
                + (done.serving() == null ? "" : " (" + done.serving().describe() + ")")
                + (done.outcome() instanceof Outcome.Switched ? "" : ": " + done.outcome().describe()));
        if (done.serving() != null) {
            done.serving().close();
        }
        return result(p, plan, start, done.outcome(), done.generation(), flow);
    }

    /** ABORT: discard the clone, put FG's disks back as they were; FG never stopped serving. */
    private RebootResult abort(Prepared p, RebootPlan plan, Journal journal, BackgroundFlow flow, double start, String reason,
                               Optional<String> signal) {
        progress.step("ABORT: " + reason);
        opts.listener().aborted(t.now());
        Optional<String> undone = flow.rollBack(journal.lastStep());
        Outcome outcome = new Outcome.Aborted(reason, true, signal);
        if (undone.isPresent() && flow.quietly("close the journal", () -> journal.finish(outcome))) {
            int serving = Reboots.generation(vm, plan.fromGeneration()); // one more when FG had died and its own disks were booted again
            progress.step("ABORT done: " + undone.get() + "; " + vm.spec().name() + " serves generation " + serving);
            return result(p, plan, start, outcome, serving, flow);
        }
        progress.step("ABORT unfinished: run 'bgreboot recover " + vm.spec().name() + "' (after freeing disk space, if that was the cause)");
        return result(p, plan, start, new Outcome.Aborted(reason, false, signal), plan.fromGeneration(), flow);
    }

    private RebootPlan plan(Prepared p, Instance fg) {
        ClonePlan clone = vm.planClone(fg, p.state());
        VmState to = new VmState(p.state().generation() + 1, clone.bgOverlays(), p.nextBoot(), p.persistentDisk());
        return new RebootPlan(RebootPlan.newId(to.generation()), vm.spec().name(), vm.engine(), Method.BACKGROUND, opts.switchMode(),
                clone, p.state(), to, !p.kept().isEmpty());
    }

    private RebootResult result(Prepared p, RebootPlan plan, double start, Outcome outcome, int generation, BackgroundFlow flow) {
        opts.listener().outcome(outcome);
        return new RebootResult(vm.spec().name(), vm.engine(), Method.BACKGROUND, opts.switchMode(), outcome, p.installMs(),
                start, t.now(), t.steps(), t.spans(), generation, Reboots.chainDepth(vm), Optional.ofNullable(flow.diskHandover),
                Optional.ofNullable(flow.governed).or(() -> Optional.of(new BgShareReport(opts.bgShare(), opts.bgShare(), Double.NaN,
                        0, false, "the clone never booted"))),
                Reboots.serving(vm), flow.keep.result(outcome));
    }
}
