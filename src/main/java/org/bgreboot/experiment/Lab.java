package org.bgreboot.experiment;

import java.time.Duration;
import org.bgreboot.Progress;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.lifecycle.PowerOff;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Reboots;
import org.bgreboot.state.VmLock;

/** What experiments do to a VM: put it back to its starting point, reboot it by a method, stop it. */
public record Lab(Progress progress) {

    /** Stops the VM if it runs, forgets its layers and boots it fresh from the spec's images. */
    public void freshStart(Vm vm) {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "fresh start of " + vm.spec().name())) {
            if (!vm.instances().isEmpty()) {
                PowerOff.stop(vm, Duration.ofSeconds(60), progress);
            }
            vm.reset();
            try (Instance i = vm.coldBoot(vm.state(), "starting " + vm.spec().name() + " fresh", progress)) {
                VmBoot.await(vm, i, progress);
            }
        }
    }

    public RebootResult reboot(Vm vm, RebootOptions opts) {
        return Reboots.run(vm, opts, progress);
    }

    public void stop(Vm vm) {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "stop of " + vm.spec().name())) {
            if (!vm.instances().isEmpty()) {
                PowerOff.stop(vm, Duration.ofSeconds(60), progress);
            }
        }
    }
}
