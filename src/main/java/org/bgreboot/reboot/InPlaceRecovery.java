package org.bgreboot.reboot;

import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.ready.VmBoot;

/**
 * Recovery of a normal or kexec reboot, which has no clone: the one instance that runs (the old
 * one, or the one its cold boot started) is the VM; if none runs, the VM is booted from its disks
 * into the update.
 */
record InPlaceRecovery(Vm vm, RebootPlan plan, Progress progress) {

    Recovery.Outcome run() {
        Optional<Instance> old = vm.instance(plan.clonePlan().fg()).filter(Instance::alive);
        if (old.isPresent()) {
            try (Instance i = old.get()) {
                return new Recovery.Outcome("nothing to undo: the VM runs (an in-place reboot has no clone)", plan.fromGeneration(), i.describe());
            }
        }
        Optional<Instance> restarted = vm.serving().or(() -> vm.instances().stream().findFirst());
        if (restarted.isPresent()) {
            try (Instance i = restarted.get()) {
                vm.promote(i, plan.to());
                VmBoot.await(vm, i, progress);
                return new Recovery.Outcome("the restarted VM runs the update", plan.toGeneration(), i.describe());
            }
        }
        vm.forget(plan.clonePlan().fg());
        try (Instance i = vm.coldBoot(plan.to(), "the VM's instance is gone: booting it into the update from its disks", progress)) {
            VmBoot.await(vm, i, progress);
            return new Recovery.Outcome("the VM was booted into the update from its disks (its instance had gone)", plan.toGeneration(), i.describe());
        }
    }
}
