package org.bgreboot.reboot;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.vm.Accel;
import org.bgreboot.vm.LaunchRecord;
import org.bgreboot.vm.QemuProcess;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmSpec;
import org.bgreboot.vm.VmState;

/**
 * PREPARE, common to every method: the VM runs, no reboot is unfinished, its agent answers, there
 * is disk space, and the update is installed in the running guest. Nothing on the host has changed
 * when this fails, so a failure here is always safe.
 *
 * @param nextBoot the kernel the updated OS boots (direct kernel boot), or empty (boot from disk)
 */
record Prepared(Vm vm, QemuProcess fg, VmState state, Accel accel, Optional<VmSpec.KernelBoot> nextBoot, double installMs) {
    private static final long MIN_FREE_BYTES = 256L << 20;
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(20);

    static Prepared check(Vm vm, RebootOptions opts, Progress progress) {
        VmSpec spec = vm.spec();
        if (Journal.active(vm.stateDir()).isPresent()) {
            throw new UserError("VM " + spec.name() + " has an unfinished reboot in its journal; run 'bgreboot recover " + spec.name() + "' first");
        }
        QemuProcess fg = vm.running().orElseThrow(() ->
                new UserError("VM " + spec.name() + " is not running; start it with 'bgreboot vm start " + spec.name() + "'"));
        try {
            fg.agent().sync(Duration.ofSeconds(5));
            fg.agent().ping(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            fg.close();
            throw new UserError("VM " + spec.name() + ": its guest agent does not answer (" + e.getMessage()
                    + "); a reboot needs qemu-ga in the guest on org.qemu.guest_agent.0 (see guest/README.md)");
        }
        long needed = MIN_FREE_BYTES + (opts.switchMode() == SwitchMode.RESTORE ? spec.memory().bytes() : 0);
        long free = usableSpace(vm);
        if (free < needed) {
            fg.close();
            throw new UserError("only " + (free >> 20) + " MiB free under " + vm.stateDir().path() + "; a reboot of "
                    + spec.name() + " needs " + (needed >> 20) + " MiB: free some space");
        }
        VmState state = vm.stateOrInitial();
        Optional<VmSpec.KernelBoot> nextBoot = opts.kernel().isPresent() ? opts.kernel()
                : spec.update().flatMap(VmSpec.Update::boot).or(state::boot);
        double installMs;
        try {
            installMs = opts.install() ? install(spec, fg, progress) : 0;
        } catch (RuntimeException e) {
            fg.close(); // its monitor and agent serve one client each: free them for whoever comes next
            throw e;
        }
        Accel accel = vm.launchRecord().map(LaunchRecord::accel).orElse(Accel.TCG);
        return new Prepared(vm, fg, state, accel, nextBoot, installMs);
    }

    private static double install(VmSpec spec, QemuProcess fg, Progress progress) {
        var install = spec.update().map(VmSpec.Update::install).filter(a -> !a.isEmpty());
        if (install.isEmpty()) {
            return 0;
        }
        progress.step("PREPARE: installing the update in the running VM: " + String.join(" ", install.get()));
        long t0 = System.nanoTime();
        ExecResult r = fg.agent().exec(install.get(), INSTALL_TIMEOUT);
        if (!r.ok()) {
            throw new UserError("the update's install command failed in " + spec.name() + " (" + r.status() + "): "
                    + r.stderrText().strip().lines().reduce((a, b) -> b).orElse("no output") + "; nothing was rebooted");
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static long usableSpace(Vm vm) {
        try {
            return Files.getFileStore(vm.stateDir().path()).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
