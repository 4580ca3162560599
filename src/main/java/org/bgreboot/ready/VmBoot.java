package org.bgreboot.ready;

import java.util.List;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;

/** Waiting for a started VM's readiness checks: what {@code vm start} and every experiment do. */
public final class VmBoot {
    private VmBoot() {}

    /** Waits until the VM's instance passes every readiness check of its spec. */
    public static List<Readiness.Passed> await(Vm vm, Instance instance, Progress progress) {
        try (ReadyTarget target = new ReadyTarget(instance)) {
            List<Readiness.Passed> passed = Readiness.of(vm.spec().ready()).await(target,
                    x -> progress.step(String.format("ready: %-40s %8.0f ms", x.check(), x.atMs())));
            progress.step(vm.spec().name() + " is ready");
            return passed;
        } catch (GuestFailedException | NotReadyException e) {
            throw new UserError("VM " + vm.spec().name() + " started but is not ready: " + e.getMessage()
                    + "; see its console log " + instance.console().where());
        }
    }
}
