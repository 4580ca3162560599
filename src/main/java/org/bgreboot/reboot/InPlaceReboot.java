package org.bgreboot.reboot;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.FaultPoint;
import org.bgreboot.Progress;
import org.bgreboot.Sleep;
import org.bgreboot.UserError;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.jsonwire.WireException;
import org.bgreboot.ready.GuestFailedException;
import org.bgreboot.ready.NotReadyException;
import org.bgreboot.ready.Readiness;
import org.bgreboot.ready.ReadyTarget;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.VmLock;
import org.bgreboot.state.VmState;

/**
 * The baselines: the VM itself restarts into its update and is down the whole time. A normal
 * reboot is a graceful reboot inside the guest; with direct kernel boot the hypervisor would boot
 * the same kernel again, so the guest powers off gracefully and the VM is booted again with the new
 * kernel, as a host tool must. A kexec reboot restarts the guest OS without firmware and boot loader.
 */
public final class InPlaceReboot {
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofMinutes(5);

    private final Vm vm;
    private final RebootOptions opts;
    private final Progress progress;
    private final Timings t;

    public InPlaceReboot(Vm vm, RebootOptions opts, Progress progress) {
        if (opts.method() == Method.BACKGROUND) {
            throw new IllegalArgumentException("use BackgroundReboot");
        }
        this.vm = vm;
        this.opts = opts;
        this.progress = progress;
        this.t = new Timings(opts.clock(), progress, opts.listener());
    }

    public RebootResult run() {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), opts.method().label() + " reboot of " + vm.spec().name())) {
            progress.step("PREPARE");
            opts.listener().phase(Phase.PREPARE, t.now());
            Prepared p;
            try {
                p = Prepared.check(vm, opts, progress);
            } catch (Cancel.CancelledException e) {
                return Reboots.stoppedWhilePreparing(vm, opts, t, progress, e.getMessage());
            }
            VmState s = p.state();
            int to = vm.spec().directKernelBoot() ? s.generation() + 1 : s.generation();
            ClonePlan itself = new ClonePlan(p.fg().id(), p.fg().id(), s.systemOverlays(), List.of(), s.systemOverlays());
            RebootPlan plan = new RebootPlan(RebootPlan.newId(to), vm.spec().name(), vm.engine(), opts.method(), opts.switchMode(),
                    itself, s, new VmState(to, s.systemOverlays(), p.nextBoot(), p.persistentDisk()));
            Journal journal = Journal.begin(vm.stateDir(), plan);
            double start = t.now();
            long consoleMark = p.fg().console().length(); // the new boot's output starts here, if it is the same instance
            Instance serving;
            try (Instance fg = p.fg()) {
                serving = switch (opts.method()) {
                    case KEXEC -> kexec(fg, journal);
                    default -> vm.spec().directKernelBoot() ? powerOffAndBoot(fg, plan, journal) : guestReboot(fg, journal);
                };
            }
            try (serving) {
                FaultPoint.reach("in-place:rebooted");
                record(journal, Step.AWAIT_READY);
                long consoleStart = serving.id().equals(p.fg().id()) ? consoleMark : 0;
                try (ReadyTarget target = new ReadyTarget(serving, consoleStart, () -> { })) {
                    Readiness.of(vm.spec().ready()).await(target, passed ->
                            progress.step(String.format("  ready: %-40s %8.0f ms", passed.check(), passed.atMs())));
                } catch (GuestFailedException | NotReadyException e) {
                    // nothing to roll back: the VM itself rebooted and did not come back
                    Outcome.Down down = new Outcome.Down("VM " + vm.spec().name() + " did not come back from its " + opts.method().label()
                            + " reboot: " + e.getMessage() + "; see its console log " + serving.console().where());
                    journal.finish(down);
                    progress.step("DOWN: " + down.whatToFix());
                    return result(p, plan, start, down, to, Optional.empty());
                }
                double ready = t.now();
                t.span(Span.IN_PLACE, start, ready);
                Outcome rebooted = new Outcome.Rebooted();
                journal.finish(rebooted);
                progress.step(String.format("DONE: %s ready again after %.1f s", vm.spec().name(), (ready - start) / 1000));
                return result(p, plan, start, rebooted, to, Optional.of(serving.describe()));
            }
        }
    }

    private RebootResult result(Prepared p, RebootPlan plan, double start, Outcome outcome, int generation, Optional<String> serving) {
        opts.listener().outcome(outcome);
        return new RebootResult(vm.spec().name(), vm.engine(), opts.method(), opts.switchMode(), outcome, p.installMs(),
                start, t.now(), t.steps(), t.spans(), generation, Reboots.chainDepth(vm), Optional.empty(), Optional.empty(), serving);
    }

    /** Graceful reboot inside the guest; the disk's boot loader picks the updated kernel. */
    private Instance guestReboot(Instance fg, Journal journal) {
        String bootId = bootId(fg.agent());
        record(journal, Step.GUEST_REBOOT);
        progress.step("REBOOT: graceful reboot inside the guest");
        t.step(Part.REQUEST_REBOOT, () -> fg.agent().shutdown("reboot"));
        awaitNewBoot(fg, bootId);
        return vm.instance(fg.id()).orElseThrow(() -> new IllegalStateException("the VM's instance ended during its reboot"));
    }

    /** kexec inside the guest: the guest's own command loads the new kernel and jumps to it. */
    private Instance kexec(Instance fg, Journal journal) {
        List<String> kexec = vm.spec().update().map(VmSpec.Update::kexec).filter(k -> !k.isEmpty())
                .orElseThrow(() -> new UserError("VM " + vm.spec().name() + " has no kexec command: add kexec = [...] to [update] in its spec"));
        String bootId = bootId(fg.agent());
        record(journal, Step.KEXEC);
        progress.step("REBOOT: kexec inside the guest: " + String.join(" ", kexec));
        t.step(Part.REQUEST_KEXEC, () -> {
            ExecResult r;
            try {
                r = fg.agent().exec(kexec, Duration.ofSeconds(30));
            } catch (WireException e) {
                return; // the guest went down under the command: that is the kexec
            }
            if (!r.ok()) {
                throw new IllegalStateException("the guest's kexec command failed (" + r.status() + "): " + r.stderrText().strip());
            }
        });
        awaitNewBoot(fg, bootId);
        return vm.instance(fg.id()).orElseThrow(() -> new IllegalStateException("the VM's instance ended during its kexec"));
    }

    /** Direct kernel boot: graceful power-off, then the VM boots again with the updated kernel. */
    private Instance powerOffAndBoot(Instance fg, RebootPlan plan, Journal journal) {
        record(journal, Step.POWER_OFF);
        progress.step("REBOOT: graceful power-off, then boot the updated kernel");
        t.step(Part.GUEST_POWERS_OFF, () -> {
            fg.agent().shutdown("powerdown");
            long deadline = System.nanoTime() + SHUTDOWN_TIMEOUT.toNanos();
            while (fg.alive()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the guest did not power off within " + SHUTDOWN_TIMEOUT.toSeconds() + " s");
                }
                Sleep.ms(5);
            }
        });
        vm.forget(fg.id());
        record(journal, Step.COLD_START);
        return t.step(Part.START_VM, () -> vm.coldBoot(plan.to(), "booting " + vm.spec().name() + " into the update", progress));
    }

    /** Journaled, then told to the listener with its phase. */
    private void record(Journal journal, Step step) {
        journal.record(step);
        opts.listener().phase(step == Step.AWAIT_READY ? Phase.READY : Phase.SWITCH, t.now());
        opts.listener().step(step, t.now());
    }

    /** Waits until the agent answers from a new boot (another boot_id). */
    private void awaitNewBoot(Instance fg, String oldBootId) {
        t.step(Part.GUEST_RESTARTS, () -> {
            long deadline = System.nanoTime() + SHUTDOWN_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!fg.alive()) {
                    throw new IllegalStateException("the VM's instance ended during the reboot");
                }
                try {
                    if (!bootId(fg.agent()).equals(oldBootId)) {
                        return;
                    }
                } catch (RuntimeException e) {
                    // the agent is gone while the guest restarts
                }
                Sleep.ms(50);
            }
            throw new IllegalStateException("the guest did not come back within " + SHUTDOWN_TIMEOUT.toSeconds() + " s");
        });
    }

    private static String bootId(GuestAgent agent) {
        agent.sync(Duration.ofSeconds(1));
        return new String(agent.readFile("/proc/sys/kernel/random/boot_id", Duration.ofSeconds(2))).strip();
    }
}
