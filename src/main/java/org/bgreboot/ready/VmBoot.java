package org.bgreboot.ready;

import java.util.List;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.vm.AccelChoice;
import org.bgreboot.vm.QemuLauncher;
import org.bgreboot.vm.QemuProcess;
import org.bgreboot.vm.Vm;

/** Starting a VM and waiting for its readiness checks: what {@code vm start} and every experiment do. */
public final class VmBoot {
    private VmBoot() {}

    /** Starts the VM (the caller holds its lock) and waits until it is ready; returns the process. */
    public static QemuProcess startAndAwait(Vm vm, AccelChoice accel, QemuLauncher launcher, Progress progress) {
        QemuProcess p = vm.start(accel, launcher, progress);
        progress.step("QEMU running, pid " + p.pid());
        await(vm, p, progress);
        return p;
    }

    public static List<Readiness.Passed> await(Vm vm, QemuProcess p, Progress progress) {
        try (ReadyTarget target = new ReadyTarget(p)) {
            List<Readiness.Passed> passed = Readiness.of(vm.spec().ready()).await(target,
                    x -> progress.step(String.format("ready: %-40s %8.0f ms", x.check(), x.atMs())));
            progress.step(vm.spec().name() + " is ready");
            return passed;
        } catch (GuestFailedException | NotReadyException e) {
            throw new UserError("VM " + vm.spec().name() + " started but is not ready: " + e.getMessage()
                    + "; see its console log " + p.runtime().serialLog());
        }
    }
}
