package org.bgreboot.bench;

import java.time.Duration;
import org.bgreboot.Progress;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.Reboots;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.vm.AccelChoice;
import org.bgreboot.vm.QemuLauncher;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmLock;

/** What experiments do to a VM: put it back to its starting point, and reboot it by a method. */
public record Lab(QemuLauncher launcher, AccelChoice accel, Progress progress) {

    /** Stops the VM if it runs, forgets its overlays and boots it fresh from the spec's images. */
    public void freshStart(Vm vm) {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "fresh start of " + vm.spec().name())) {
            if (vm.running().isPresent()) {
                vm.stop(Duration.ofSeconds(60), progress);
            }
            vm.reset();
            VmBoot.startAndAwait(vm, accel, launcher, progress).close();
        }
    }

    public RebootResult reboot(Vm vm, RebootOptions opts) {
        return Reboots.run(vm, launcher, opts, progress);
    }

    public void stop(Vm vm) {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "stop of " + vm.spec().name())) {
            if (vm.running().isPresent()) {
                vm.stop(Duration.ofSeconds(60), progress);
            }
        }
    }
}
