package org.bgreboot.reboot;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.Sleep;
import org.bgreboot.UserError;
import org.bgreboot.agent.AgentException;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.ready.GuestFailedException;
import org.bgreboot.ready.NotReadyException;
import org.bgreboot.ready.Readiness;
import org.bgreboot.ready.ReadyTarget;
import org.bgreboot.vm.Launch;
import org.bgreboot.vm.LaunchRecord;
import org.bgreboot.vm.QemuImg;
import org.bgreboot.vm.QemuLauncher;
import org.bgreboot.vm.QemuProcess;
import org.bgreboot.vm.RuntimeDir;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmLock;
import org.bgreboot.vm.VmSpec;
import org.bgreboot.vm.VmState;

/**
 * The baselines: the VM itself restarts into its update and is down the whole time. A normal
 * reboot is a graceful reboot inside the guest; with direct kernel boot QEMU would boot the same
 * kernel again, so the guest powers off gracefully and QEMU starts again with the new kernel, as a
 * host tool must. A kexec reboot restarts the guest OS without firmware and boot loader.
 */
public final class InPlaceReboot {
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofMinutes(5);

    private final Vm vm;
    private final QemuLauncher launcher;
    private final RebootOptions opts;
    private final Progress progress;
    private final Timings t;

    public InPlaceReboot(Vm vm, QemuLauncher launcher, RebootOptions opts, Progress progress) {
        if (opts.method() == Method.BACKGROUND) {
            throw new IllegalArgumentException("use BackgroundReboot");
        }
        this.vm = vm;
        this.launcher = launcher;
        this.opts = opts;
        this.progress = progress;
        this.t = new Timings(opts.clock(), progress);
    }

    public RebootResult run() {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), opts.method().label() + " reboot of " + vm.spec().name())) {
            progress.step("PREPARE");
            Prepared p = Prepared.check(vm, opts, progress);
            VmState s = p.state();
            int to = vm.spec().directKernelBoot() ? s.generation() + 1 : s.generation();
            RebootPlan plan = new RebootPlan(id(to), vm.spec().name(), opts.method().label(), s.generation(), to, p.fg().pid(),
                    p.fg().runtime().dir(), vm.stateDir().runtime(to).dir(), s.systemOverlays(), List.of(), s.systemOverlays(), p.nextBoot());
            Journal journal = Journal.begin(vm.stateDir(), plan);
            double start = t.now();
            // the new boot's console output starts here (a cold boot writes a new log from 0)
            long serialMark = p.fg().runtime().serialLog().toFile().length();
            QemuProcess serving;
            try (QemuProcess fg = p.fg()) {
                serving = switch (opts.method()) {
                    case KEXEC -> kexec(fg, journal);
                    default -> vm.spec().directKernelBoot() ? coldBoot(p, plan, journal) : guestReboot(fg, journal);
                };
            }
            try (serving) {
                FaultPoint.reach("in-place:rebooted");
                journal.record(Phase.READY, "await");
                double bootStart = t.now();
                long serialStart = serving.runtime().equals(p.fg().runtime()) ? serialMark : 0;
                try (ReadyTarget target = new ReadyTarget(serving, serialStart)) {
                    Readiness.of(vm.spec().ready()).await(target, passed ->
                            progress.step(String.format("  ready: %-40s %8.0f ms", passed.check(), passed.atMs())));
                } catch (GuestFailedException | NotReadyException e) {
                    // nothing to roll back: the VM itself rebooted and did not come back
                    journal.finish("failed: " + e.getMessage());
                    throw new RebootFailedException("VM " + vm.spec().name() + " did not come back from its " + opts.method().label()
                            + " reboot: " + e.getMessage() + "; see its console log " + serving.runtime().serialLog());
                }
                double ready = t.now();
                t.phase(opts.method().label() + " reboot", start, ready);
                journal.finish("done");
                progress.step(String.format("DONE: %s ready again after %.1f s", vm.spec().name(), (ready - start) / 1000));
                int depth = QemuImg.chain(s.systemOverlays().get(0)).size();
                return new RebootResult(vm.spec().name(), opts.method(), opts.switchMode(), Optional.empty(), p.installMs(), start, ready,
                        Double.NaN, ready - bootStart, ready, start, Double.NaN, t.steps(), t.phases(), to, depth);
            }
        }
    }

    /** Graceful reboot inside the guest; the disk's boot loader picks the updated kernel. */
    private QemuProcess guestReboot(QemuProcess fg, Journal journal) {
        String bootId = bootId(fg.agent());
        journal.record(Phase.SWITCH, "guest-reboot");
        progress.step("REBOOT: graceful reboot inside the guest");
        t.step("request reboot", () -> fg.agent().shutdown("reboot"));
        awaitNewBoot(fg, bootId);
        return new QemuProcess(fg.pid(), fg.runtime(), fg.accel());
    }

    /** kexec inside the guest: the guest's own command loads the new kernel and jumps to it. */
    private QemuProcess kexec(QemuProcess fg, Journal journal) {
        List<String> kexec = vm.spec().update().map(VmSpec.Update::kexec).filter(k -> !k.isEmpty())
                .orElseThrow(() -> new UserError("VM " + vm.spec().name() + " has no kexec command: add kexec = [...] to [update] in its spec"));
        String bootId = bootId(fg.agent());
        journal.record(Phase.SWITCH, "kexec");
        progress.step("REBOOT: kexec inside the guest: " + String.join(" ", kexec));
        t.step("request kexec", () -> {
            ExecResult r;
            try {
                r = fg.agent().exec(kexec, Duration.ofSeconds(30));
            } catch (AgentException e) {
                return; // the guest went down under the command: that is the kexec
            }
            if (!r.ok()) {
                throw new IllegalStateException("the guest's kexec command failed (" + r.status() + "): " + r.stderrText().strip());
            }
        });
        awaitNewBoot(fg, bootId);
        return new QemuProcess(fg.pid(), fg.runtime(), fg.accel());
    }

    /** Direct kernel boot: graceful power-off, then QEMU starts again with the updated kernel. */
    private QemuProcess coldBoot(Prepared p, RebootPlan plan, Journal journal) {
        QemuProcess fg = p.fg();
        journal.record(Phase.SWITCH, "power-off");
        progress.step("REBOOT: graceful power-off, then boot the updated kernel");
        t.step("guest powers off", () -> {
            fg.agent().shutdown("powerdown");
            if (!fg.awaitExit(SHUTDOWN_TIMEOUT)) {
                throw new IllegalStateException("the guest did not power off within " + SHUTDOWN_TIMEOUT.toSeconds() + " s");
            }
        });
        vm.stateDir().removeRuntime(fg.runtime());
        journal.record(Phase.SWITCH, "start");
        RuntimeDir runtime = vm.stateDir().createRuntime(plan.toGeneration());
        QemuProcess next = t.step("start QEMU", () -> launcher.launch(new Launch(vm.spec(), p.accel(), runtime, plan.toGeneration(),
                plan.bgOverlays(), p.nextBoot(), Launch.Role.FOREGROUND, false)));
        new LaunchRecord(p.accel(), Launch.Role.FOREGROUND, System.currentTimeMillis(), "restarted by a normal reboot").write(runtime);
        vm.stateDir().writeState(new VmState(plan.toGeneration(), plan.bgOverlays(), p.nextBoot()));
        vm.stateDir().setCurrent(runtime);
        return next;
    }

    /** Waits until the agent answers from a new boot (another boot_id). */
    private void awaitNewBoot(QemuProcess fg, String oldBootId) {
        t.step("guest restarts (agent answers again)", () -> {
            long deadline = System.nanoTime() + SHUTDOWN_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!fg.alive()) {
                    throw new IllegalStateException("QEMU exited during the reboot");
                }
                try {
                    String id = bootId(fg.agent());
                    if (!id.equals(oldBootId)) {
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

    private static String id(int generation) {
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()) + "-g" + generation;
    }

}
