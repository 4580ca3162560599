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
record InPlaceRecovery(Vm vm, RebootPlan plan, Step last, Progress progress) {

    Recovery.Result run() {
        Optional<Instance> old = vm.instance(plan.clonePlan().fg()).filter(Instance::alive);
        if (old.isPresent()) {
            try (Instance i = old.get()) {
                // the guest was asked to restart (it restarts in the same instance) or was never asked
                boolean asked = last == Step.GUEST_REBOOT || last == Step.KEXEC;
                Outcome o = asked ? new Outcome.Rebooted()
                        : new Outcome.Aborted("interrupted before the guest was asked to restart", true, Optional.empty());
                return new Recovery.Result(Optional.of(o), "nothing to undo: the VM runs (an in-place reboot has no clone)",
                        asked ? plan.toGeneration() : plan.fromGeneration(), i.describe());
            }
        }
        Optional<Instance> restarted = vm.serving().or(() -> vm.instances().stream().findFirst());
        if (restarted.isPresent()) {
            try (Instance i = restarted.get()) {
                vm.promote(i, plan.to());
                VmBoot.await(vm, i, progress);
                return new Recovery.Result(Optional.of(new Outcome.Rebooted()), "the restarted VM runs the update", plan.toGeneration(), i.describe());
            }
        }
        vm.forget(plan.clonePlan().fg());
        try (Instance i = vm.coldBoot(plan.to(), "the VM's instance is gone: booting it into the update from its disks", progress)) {
            VmBoot.await(vm, i, progress);
            return new Recovery.Result(Optional.of(new Outcome.Rebooted()), "the VM was booted into the update from its disks (its instance had gone)",
                    plan.toGeneration(), i.describe());
        }
    }
}
