package org.bgreboot.reboot;

import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.measure.RunClock;
import org.bgreboot.state.VmLock;

/**
 * Brings a VM whose reboot was interrupted (bgreboot or an instance killed, the host's disk full)
 * back to exactly one serving VM, from its journal, by the reboot's own steps: before the point of
 * no return (FG stopped) every step is undone back to the start and FG keeps (or resumes) serving;
 * after it the remaining steps are completed. A side that died is replaced by a cold boot of the
 * other side's disks. Recovery may itself be interrupted and run again.
 */
public final class Recovery {

    /** What recovery did, for the report. */
    public record Outcome(String action, int generation, String instance) {}

    private final Vm vm;
    private final Progress progress;

    public Recovery(Vm vm, Progress progress) {
        this.vm = vm;
        this.progress = progress;
    }

    public Outcome run() {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "recovery of " + vm.spec().name())) {
            Optional<Journal.Content> active = Journal.active(vm.stateDir());
            if (active.isEmpty()) {
                return tidyWithoutJournal();
            }
            Journal.Content c = active.get();
            RebootPlan plan = c.plan();
            Journal journal = Journal.resume(vm.stateDir(), c);
            Step last = c.lastStep();
            progress.step("journal: " + plan.method().label() + " reboot " + plan.id() + " stopped at " + last.name().toLowerCase());
            Outcome o = plan.method() != Method.BACKGROUND ? new InPlaceRecovery(vm, plan, progress).run()
                    : last.pastPointOfNoReturn() ? complete(plan, journal, last) : rollBack(plan, journal, last);
            journal.finish("recovered: " + o.action());
            tidyStrays();
            progress.step("recovered " + vm.spec().name() + ": " + o.action() + (o.instance().isEmpty() ? "" : " (" + o.instance() + ")"));
            return o;
        }
    }

    private BackgroundFlow flow(RebootPlan plan, Journal journal) {
        RebootOptions opts = RebootOptions.background(RunClock.start()).with(plan.switchMode());
        return new BackgroundFlow(vm, plan, journal, opts, progress, new Timings(RunClock.start(), progress), null);
    }

    private Outcome complete(RebootPlan plan, Journal journal, Step last) {
        BackgroundFlow.Completion done = flow(plan, journal).complete(last);
        try (Instance serving = done.serving()) {
            return new Outcome(done.action(), plan.toGeneration(), serving.describe());
        }
    }

    private Outcome rollBack(RebootPlan plan, Journal journal, Step last) {
        BackgroundFlow flow = flow(plan, journal);
        String action = flow.rollBack(last).orElseThrow(() -> new UserError("the rollback of " + vm.spec().name()
                + "'s reboot is unfinished (see the lines above); fix the cause and run 'bgreboot recover " + vm.spec().name() + "' again"));
        return new Outcome(action, plan.fromGeneration(), vm.serving().map(Instance::describe).orElse(""));
    }

    /** No journal: no instance but the serving one may run; says what serves. */
    private Outcome tidyWithoutJournal() {
        tidyStrays();
        List<String> left = vm.leftovers();
        if (!left.isEmpty()) {
            throw new UserError("VM " + vm.spec().name() + " has no unfinished reboot but: " + String.join("; ", left));
        }
        Optional<Instance> serving = vm.serving();
        progress.step("nothing to recover: " + vm.spec().name() + serving.map(s -> " runs (" + s.describe() + ")").orElse(" is stopped"));
        return new Outcome("nothing to recover", vm.stateDir().readState().map(s -> s.generation()).orElse(0), serving.map(Instance::describe).orElse(""));
    }

    /** Instances other than the serving one (a clone a crash left) are stopped; their remains removed. */
    private void tidyStrays() {
        Optional<Instance> serving = vm.serving();
        for (Instance i : vm.instances()) {
            if (serving.map(s -> !s.id().equals(i.id())).orElse(true)) {
                progress.step("stopping a stray instance (" + i.describe() + ")");
                i.kill();
                i.close();
                vm.forget(i.id());
            }
        }
    }
}
