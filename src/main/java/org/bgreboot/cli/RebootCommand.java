package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.output.RebootJson;
import org.bgreboot.output.RebootOutput;
import org.bgreboot.measure.RunClock;
import org.bgreboot.render.Table;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Reboots;
import org.bgreboot.reboot.TimedStep;
import org.bgreboot.reboot.SwitchMode;
import org.bgreboot.engine.Vm;
import org.bgreboot.keep.KeepLimits;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.Cancel;
import org.bgreboot.spec.VmSpec;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "reboot", mixinStandardHelpOptions = true,
        description = {"Reboot a running VM into its update, in the background unless told otherwise.",
                "In the background: clone it, boot the clone while the VM keeps serving, then switch over; --normal and "
                + "--kexec reboot it in place instead. Installs the spec's [update] first."})
final class RebootCommand implements Callable<Integer> {
    @Parameters(paramLabel = "VM", description = "A VM name or spec file.")
    String ref;

    @ArgGroup(exclusive = true)
    MethodChoice method = new MethodChoice();

    static final class MethodChoice {
        @Option(names = "--normal", description = "A plain graceful reboot instead (the baseline).")
        boolean normal;

        @Option(names = "--kexec", description = "A kexec reboot inside the guest instead (a baseline; needs [update] kexec).")
        boolean kexec;
    }

    @Option(names = "--switch", paramLabel = "handover|restore", defaultValue = "handover",
            description = "How the clone takes over: hand over disk and network (default), or save and restore its whole state (paper-faithful, grows with memory).")
    String switchMode;

    @Option(names = "--no-install", description = "Do not run the update's install command (it is already installed).")
    boolean noInstall;

    @Option(names = "--force", description = "Reboot even when the guest says it needs no reboot (nothing newer installed, no reboot flagged).")
    boolean force;

    @Option(names = "--kernel", paramLabel = "FILE", description = "Boot this kernel instead of the spec's update kernel (direct kernel boot).")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "With --kernel: its initrd.")
    Path initrd;

    @Option(names = "--take-persistent-disk", description = "When the spec names another persistent disk than the VM runs with, "
            + "hand the spec's to the updated VM (without this, such a reboot is refused).")
    boolean takePersistentDisk;

    @Option(names = "--quiesce", description = "Freeze the VM's system-disk filesystems around the clone point (a clean clone, "
            + "a longer pause) instead of a sync before it (a crash-consistent clone, a pause of the snapshot alone).")
    boolean quiesce;

    @Option(names = "--bg-share", paramLabel = "idle|adaptive|normal",
            description = "How much of the host the clone may take while it boots: idle (idle priority on the last CPU), adaptive "
                    + "(idle priority, and at most a third of a CPU while the VM is busy), normal (like any process). Default: adaptive, "
                    + "or what the environment's " + BgShare.ENV + " says.")
    String bgShare;

    @Option(names = "--bg-deadline", paramLabel = "SECONDS",
            description = "After this long the clone gets its fair share however busy the VM is (default: half the readiness timeout).")
    Integer bgDeadline;

    @Option(names = "--keep-state", description = {"Carry the services the guest names in /etc/bgreboot/keep.d across the switch with "
            + "their memory and TCP connections (CRIU; bgreboot-keep, installed by 'guest install --keep-state'): pre-dumped while the clone "
            + "boots, dumped in the switch, restored in the new VM. A service whose dump or restore fails is restarted as without it, and "
            + "the result says so. Background reboots only; connections survive on a bridged network, not on user networking."})
    boolean keepState;

    @Option(names = "--measure", description = "Probe the VM's service every 10 ms and write to it during the reboot; report downtime and lost writes.")
    boolean measure;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON.")
    Path json;

    @Mixin EngineOptions engine;

    @Override public Integer call() {
        App app = new App(engine);
        Vm vm = app.vm(ref);
        RunClock clock = RunClock.start();
        Cancel cancel = new Cancel();
        RebootOptions options = RebootOptions.background(clock).with(method()).with(switchMode()).withInstall(!noInstall)
                .withKernel(kernelOverride(vm.spec())).with(bgShare == null ? BgShare.byDefault() : BgShare.parse(bgShare)).withBgDeadline(deadline()).with(cancel)
                .takingSpecPersistentDisk(takePersistentDisk).quiescing(quiesce).forcing(force);
        if (keepState && method() != Method.BACKGROUND) {
            throw new org.bgreboot.UserError("--keep-state keeps services across a background reboot's switch: drop --normal or --kexec");
        }
        RebootOptions opts = keepState ? options.keepingState(KeepLimits.CONTRACT) : options;
        RebootOutput out;
        RebootResult result;
        try (HostLeaseGuard lease = app.libvirtInUse().map(e -> HostLeaseGuard.take(java.util.List.of(e), "reboot of " + vm.spec().name(),
                java.util.List.of())).orElse(null);
             Signals signals = Signals.duringReboot(cancel, vm.spec().name())) {
            if (measure) {
                RebootMeasurement m = MeasuredReboot.run(MeasuredReboot.serviceUri(vm.spec()), clock, app.progress,
                        () -> Reboots.run(vm, opts, app.progress));
                result = m.reboot();
                out = RebootOutput.of(m);
            } else {
                result = Reboots.run(vm, opts, app.progress);
                out = RebootOutput.of(result);
            }
        }
        System.out.println();
        System.out.print(summary(result, out.reboot()));
        if (json != null) {
            ResultFiles.writeJson(json, out);
        }
        if (!(result.outcome() instanceof Outcome.Switched || result.outcome() instanceof Outcome.Rebooted)) {
            System.err.println("bgreboot: the " + result.method().label() + " reboot of " + result.vm() + " ended "
                    + BgrebootCommand.oneLine(result.outcome().describe()));
        } else {
            cancel.requested().ifPresent(s -> System.err.println("bgreboot: " + s + " came past the switch's point of no return: the switch was completed"));
        }
        return ExitCode.of(result.outcome()).code;
    }

    private Optional<java.time.Duration> deadline() {
        if (bgDeadline == null) {
            return Optional.empty();
        }
        if (bgDeadline < 1) {
            throw new org.bgreboot.UserError("--bg-deadline " + bgDeadline + " is not a time: give seconds, 1 or more");
        }
        return Optional.of(java.time.Duration.ofSeconds(bgDeadline));
    }

    private Method method() {
        return method.normal ? Method.NORMAL : method.kexec ? Method.KEXEC : Method.BACKGROUND;
    }

    private SwitchMode switchMode() {
        return switch (switchMode) {
            case "handover" -> SwitchMode.HANDOVER;
            case "restore" -> SwitchMode.RESTORE;
            default -> throw new org.bgreboot.UserError("--switch " + switchMode + " is unknown: use handover or restore");
        };
    }

    private Optional<VmSpec.KernelBoot> kernelOverride(VmSpec spec) {
        if (kernel == null) {
            if (initrd != null) {
                throw new org.bgreboot.UserError("--initrd needs --kernel");
            }
            return Optional.empty();
        }
        for (Path p : initrd == null ? new Path[] {kernel} : new Path[] {kernel, initrd}) {
            if (!java.nio.file.Files.isRegularFile(p)) {
                throw new org.bgreboot.UserError("the update kernel file " + p + " does not exist: fix --kernel/--initrd");
            }
        }
        if (!spec.directKernelBoot()) {
            throw new org.bgreboot.UserError("VM " + spec.name() + " boots from its disk: --kernel applies to direct kernel boot only");
        }
        String cmdline = spec.boot().map(VmSpec.KernelBoot::cmdline).orElse("console=ttyS0");
        return Optional.of(new VmSpec.KernelBoot(kernel.toAbsolutePath(), initrd == null ? null : initrd.toAbsolutePath(), cmdline));
    }

    private static String summary(RebootResult r, RebootJson out) {
        Table t = Table.of("step", "ms");
        for (TimedStep s : r.steps()) {
            t.row(s.label(), String.format("%.1f", s.ms()));
        }
        StringBuilder b = new StringBuilder(t.toText());
        b.append(String.format("%-18s %s%n", "outcome", r.outcome().describe()));
        r.keptState().ifPresent(k -> {
            k.services().forEach(s -> b.append(String.format("%-18s %s%n", "kept state", s.describe())));
            k.note().ifPresent(n -> b.append(String.format("%-18s %s%n", "", n)));
        });
        Optional<RebootJson.ClientsJson> seen = Optional.ofNullable(out.clients());
        line(b, "downtime_ms", seen.map(RebootJson.ClientsJson::downtimeMs).orElse(Double.NaN));
        line(b, "fg_pause_ms", out.fgPauseMs());
        line(b, "bg_ready_ms", out.bgReadyMs());
        line(b, "switch_ms", out.switchMs());
        seen.ifPresent(c -> {
            b.append(String.format("%-18s %s%n", "acked_writes", c.ackedWrites()));
            b.append(String.format("%-18s %s%n", "acked_writes_lost", c.ackedWritesLost()));
            b.append(String.format("%-18s %s%n", "version_after", c.versionAfter()));
            b.append(String.format("%-18s %s%n", "kernel_after", c.kernelAfter()));
        });
        return b.toString();
    }

    private static void line(StringBuilder b, String name, double ms) {
        if (!Double.isNaN(ms)) {
            b.append(String.format("%-18s %s%n", name, ms));
        }
    }
}
