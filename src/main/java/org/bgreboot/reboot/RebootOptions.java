package org.bgreboot.reboot;

import java.util.Optional;
import org.bgreboot.measure.RunClock;
import org.bgreboot.vm.VmSpec;

/**
 * @param install     run the spec's update install command in the VM first
 * @param kernel      overrides the spec's update kernel (direct kernel boot)
 * @param idleClone   boot the clone at idle CPU and I/O priority (off only to measure the difference)
 * @param listener    hears the clone's launch and readiness
 */
public record RebootOptions(Method method, SwitchMode switchMode, boolean install,
                            Optional<VmSpec.KernelBoot> kernel, boolean idleClone, RunClock clock, RebootListener listener) {

    public RebootOptions(Method method, SwitchMode switchMode, boolean install, Optional<VmSpec.KernelBoot> kernel,
                         boolean idleClone, RunClock clock) {
        this(method, switchMode, install, kernel, idleClone, clock, RebootListener.NONE);
    }

    public static RebootOptions background(RunClock clock) {
        return new RebootOptions(Method.BACKGROUND, SwitchMode.HANDOVER, true, Optional.empty(), true, clock);
    }

    public RebootOptions with(RebootListener l) {
        return new RebootOptions(method, switchMode, install, kernel, idleClone, clock, l);
    }

    public RebootOptions with(Method m) {
        return new RebootOptions(m, switchMode, install, kernel, idleClone, clock, listener);
    }

    public RebootOptions with(SwitchMode s) {
        return new RebootOptions(method, s, install, kernel, idleClone, clock, listener);
    }

    public RebootOptions withInstall(boolean i) {
        return new RebootOptions(method, switchMode, i, kernel, idleClone, clock, listener);
    }

    public RebootOptions withIdleClone(boolean idle) {
        return new RebootOptions(method, switchMode, install, kernel, idle, clock, listener);
    }
}
