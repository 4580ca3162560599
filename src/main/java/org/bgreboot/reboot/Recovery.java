package org.bgreboot.reboot;

import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.lifecycle.Strays;
import org.bgreboot.measure.RunClock;
import org.bgreboot.state.VmLock;

/**
 * Brings a VM whose reboot was interrupted (bgreboot or an instance killed, the host's disk full)
 * back to exactly one serving VM, from its journal, by the reboot's own steps: before the point of
 * no return every step is undone back to the start and FG keeps (or resumes) serving; after it the
 * remaining steps are completed. A side that died is replaced by a cold boot of the other side's
 * disks. Recovery may itself be interrupted and run again.
 */
public final class Recovery {

    /**
     * What recovery did.
     *
     * @param outcome    how the interrupted reboot ended now; empty when there was nothing to recover
     * @param action     what recovery did, in words
     * @param generation the generation serving
     * @param instance   the serving instance as its engine names it; empty when none serves
     */
    public record Result(Optional<Outcome> outcome, String action, int generation, String instance) {}

    private final Vm vm;
    private final Progress progress;
    private final RebootListener listener;

    public Recovery(Vm vm, Progress progress) {
        this(vm, progress, RebootListener.NONE);
    }

    public Recovery(Vm vm, Progress progress, RebootListener listener) {
        this.vm = vm;
        this.progress = progress;
        this.listener = listener;
    }

    public Result run() {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "recovery of " + vm.spec().name())) {
            Optional<Journal.Content> active = Journal.active(vm.stateDir());
            if (active.isEmpty()) {
                return tidyWithoutJournal();
            }
            Journal.Content c = active.get();
            RebootPlan plan = c.plan();
            Journal journal = Journal.resume(vm.stateDir(), c);
            Step last = c.lastStep();
            progress.step("journal: " + plan.method().label() + " reboot " + plan.id() + " stopped at " + last.key()
                    + " (written by " + c.writtenBy() + ")");
            Result r = plan.method() != Method.BACKGROUND ? new InPlaceRecovery(vm, plan, last, progress).run()
                    : BackgroundSteps.pastPointOfNoReturn(BackgroundSteps.order(plan.switchMode()), last)
                    ? complete(plan, journal, last) : rollBack(plan, journal, last);
            Outcome outcome = r.outcome().orElseThrow();
            journal.finish(outcome);
            Strays.sweep(vm, progress).ifPresent(Instance::close);
            listener.outcome(outcome);
            progress.step("recovered " + vm.spec().name() + ": " + r.action() + (r.instance().isEmpty() ? "" : " (" + r.instance() + ")"));
            return r;
        }
    }

    private BackgroundFlow flow(RebootPlan plan, Journal journal) {
        RebootOptions opts = RebootOptions.background(RunClock.start()).with(plan.switchMode()).with(listener);
        return new BackgroundFlow(vm, plan, journal, opts, progress, new Timings(RunClock.start(), progress, listener), null);
    }

    private Result complete(RebootPlan plan, Journal journal, Step last) {
        BackgroundFlow.Completion done = flow(plan, journal).complete(last);
        if (done.serving() == null) {
            return new Result(Optional.of(done.outcome()), done.outcome().describe(), done.generation(), "");
        }
        try (Instance serving = done.serving()) {
            String action = done.outcome() instanceof Outcome.Switched ? "completed the switch: the clone is the VM" : done.outcome().describe();
            return new Result(Optional.of(done.outcome()), action, done.generation(), serving.describe());
        }
    }

    private Result rollBack(RebootPlan plan, Journal journal, Step last) {
        BackgroundFlow flow = flow(plan, journal);
        String action = flow.rollBack(last).orElseThrow(() -> new UserError("the rollback of " + vm.spec().name()
                + "'s reboot is unfinished (see the lines above); fix the cause and run 'bgreboot recover " + vm.spec().name() + "' again"));
        return new Result(Optional.of(new Outcome.Aborted("interrupted at " + last.key() + ": " + action, true, Optional.empty())), action,
                Reboots.generation(vm, plan.fromGeneration()), Reboots.serving(vm).orElse(""));
    }

    /** No journal: no instance but the serving one may run; says what serves. */
    private Result tidyWithoutJournal() {
        Strays.sweep(vm, progress).ifPresent(Instance::close);
        List<String> left = vm.inspection().leftovers();
        if (!left.isEmpty()) {
            throw new UserError("VM " + vm.spec().name() + " has no unfinished reboot but: " + String.join("; ", left));
        }
        Optional<String> serving = Reboots.serving(vm);
        progress.step("nothing to recover: " + vm.spec().name() + serving.map(s -> " runs (" + s + ")").orElse(" is stopped"));
        return new Result(Optional.empty(), "nothing to recover", vm.stateDir().readState().map(s -> s.generation()).orElse(0), serving.orElse(""));
    }
}
