package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bgreboot.bench.MeasuredReboot;
import org.bgreboot.bench.RebootMeasurement;
import org.bgreboot.bench.ResultJson;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.Table;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Reboots;
import org.bgreboot.reboot.Step;
import org.bgreboot.reboot.SwitchMode;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmSpec;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "reboot", mixinStandardHelpOptions = true,
        description = {"Reboot a running VM into its update. By default in the background: clone it, boot the clone",
                "while the VM keeps serving, then switch over. Installs the spec's [update] first."})
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

    @Option(names = "--kernel", paramLabel = "FILE", description = "Boot this kernel instead of the spec's update kernel (direct kernel boot).")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "With --kernel: its initrd.")
    Path initrd;

    @Option(names = "--normal-priority", description = "Boot the clone at normal CPU and I/O priority (to measure what idle priority saves).")
    boolean normalPriority;

    @Option(names = "--measure", description = "Probe the VM's service every 10 ms and write to it during the reboot; report downtime and lost writes.")
    boolean measure;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON.")
    Path json;

    @Override public Integer call() {
        App app = new App();
        Vm vm = app.vm(ref);
        RunClock clock = RunClock.start();
        RebootOptions opts = new RebootOptions(method(), switchMode(), !noInstall, kernelOverride(vm.spec()), !normalPriority, clock);
        Map<String, Object> out;
        RebootResult result;
        if (measure) {
            RebootMeasurement m = MeasuredReboot.run(vm.spec(), clock, app.progress, () -> Reboots.run(vm, app.launcher(), opts, app.progress));
            result = m.reboot();
            out = ResultJson.of(m);
        } else {
            result = Reboots.run(vm, app.launcher(), opts, app.progress);
            out = ResultJson.of(result);
        }
        System.out.println();
        System.out.print(summary(result, out));
        if (json != null) {
            ResultFiles.writeJson(json, out);
        }
        if (result.aborted()) {
            System.err.println("bgreboot: the " + result.method().label() + " reboot of " + result.vm() + " was aborted: "
                    + result.abortReason().get().lines().findFirst().orElse(""));
            return BgrebootCommand.EXIT_FAILED;
        }
        return 0;
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

    private static String summary(RebootResult r, Map<String, Object> out) {
        Table t = Table.of("step", "ms");
        for (Step s : r.steps()) {
            t.row(s.name(), String.format("%.1f", s.ms()));
        }
        StringBuilder b = new StringBuilder(t.toText());
        b.append(r.aborted() ? "ABORTED: " + r.abortReason().get() + "\n" : "");
        for (String k : new String[] {"downtime_ms", "fg_pause_ms", "bg_ready_ms", "switch_ms", "acked_writes", "acked_writes_lost", "version_after", "kernel_after"}) {
            if (out.get(k) != null) {
                b.append(String.format("%-18s %s%n", k, out.get(k)));
            }
        }
        return b.toString();
    }
}
