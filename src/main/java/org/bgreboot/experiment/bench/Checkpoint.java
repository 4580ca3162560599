package org.bgreboot.experiment.bench;

import java.nio.file.Path;
import org.bgreboot.UserError;
import org.bgreboot.engine.Checkpoints;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.experiment.Lab;
import org.bgreboot.reboot.Cancel;
import org.bgreboot.reboot.Updates;
import org.bgreboot.state.VmLock;

/**
 * The starting point of every run of a bench matrix: the VM running its old OS with the update
 * installed (by the guest's own install command, inside the running VM), saved whole. Each run
 * restores it in seconds instead of booting and installing again, which for the Debian guest under
 * TCG takes minutes; and each run starts from exactly the same machine.
 */
public final class Checkpoint {
    private final Path dir;
    private final double installMs;

    private Checkpoint(Path dir, double installMs) {
        this.dir = dir;
        this.installMs = installMs;
    }

    /** How long the update's install took in the running VM, the one time it ran. */
    public double installMs() {
        return installMs;
    }

    /** Starts the VM fresh, installs its update in it, and saves it whole into {@code dir}. */
    public static Checkpoint take(Lab lab, Vm vm, Path dir) {
        Checkpoints checkpoints = of(vm);
        lab.freshStart(vm);
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "bench checkpoint of " + vm.spec().name());
             Instance p = vm.serving().orElseThrow(() -> new UserError("VM " + vm.spec().name() + " stopped before its checkpoint"))) {
            double installMs = Updates.install(vm.spec(), p.agent(), Cancel.NEVER, lab.progress());
            p.close(); // the checkpoint speaks to the instance itself
            checkpoints.save(dir);
            lab.progress().step(String.format("checkpoint of %s saved (update installed in %.1f s)", vm.spec().name(), installMs / 1000));
            return new Checkpoint(dir, installMs);
        }
    }

    /** Puts the VM back exactly where the checkpoint was taken, running. */
    public void restore(Lab lab, Vm vm) {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "bench restore of " + vm.spec().name())) {
            of(vm).restore(dir);
        }
    }

    private static Checkpoints of(Vm vm) {
        return vm.checkpoints().get().orElseThrow(() -> new UserError("the bench needs whole-VM checkpoints: "
                + vm.checkpoints().why()));
    }

}
