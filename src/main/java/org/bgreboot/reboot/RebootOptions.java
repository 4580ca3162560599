package org.bgreboot.reboot;

import java.util.Optional;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.measure.RunClock;
import org.bgreboot.spec.VmSpec;

/**
 * @param install     run the spec's update install command in the VM first
 * @param kernel      overrides the spec's update kernel (direct kernel boot)
 * @param cloneShare  the clone's CPU share while it boots (IDLE normally; NORMAL only to measure the difference)
 * @param listener    hears the clone's launch and readiness
 * @param cancel      asks the reboot to stop (signals)
 * @param takeSpecPersistentDisk hand the updated VM the spec's persistent disk when it differs from the running one's
 * @param quiesce     freeze FG's system-disk filesystems around the clone point (a longer pause, a clean clone)
 */
public record RebootOptions(Method method, SwitchMode switchMode, boolean install, Optional<VmSpec.KernelBoot> kernel,
                            CpuShare cloneShare, RunClock clock, RebootListener listener, Cancel cancel, boolean takeSpecPersistentDisk,
                            boolean quiesce) {

    public static RebootOptions background(RunClock clock) {
        return new RebootOptions(Method.BACKGROUND, SwitchMode.HANDOVER, true, Optional.empty(), CpuShare.IDLE, clock,
                RebootListener.NONE, Cancel.NEVER, false, false);
    }

    public RebootOptions with(RebootListener l) {
        return new RebootOptions(method, switchMode, install, kernel, cloneShare, clock, l, cancel, takeSpecPersistentDisk, quiesce);
    }

    public RebootOptions with(Method m) {
        return new RebootOptions(m, switchMode, install, kernel, cloneShare, clock, listener, cancel, takeSpecPersistentDisk, quiesce);
    }

    public RebootOptions with(SwitchMode s) {
        return new RebootOptions(method, s, install, kernel, cloneShare, clock, listener, cancel, takeSpecPersistentDisk, quiesce);
    }

    public RebootOptions with(CpuShare share) {
        return new RebootOptions(method, switchMode, install, kernel, share, clock, listener, cancel, takeSpecPersistentDisk, quiesce);
    }

    public RebootOptions with(Cancel c) {
        return new RebootOptions(method, switchMode, install, kernel, cloneShare, clock, listener, c, takeSpecPersistentDisk, quiesce);
    }

    public RebootOptions withInstall(boolean i) {
        return new RebootOptions(method, switchMode, i, kernel, cloneShare, clock, listener, cancel, takeSpecPersistentDisk, quiesce);
    }

    public RebootOptions takingSpecPersistentDisk(boolean take) {
        return new RebootOptions(method, switchMode, install, kernel, cloneShare, clock, listener, cancel, take, quiesce);
    }

    public RebootOptions quiescing(boolean q) {
        return new RebootOptions(method, switchMode, install, kernel, cloneShare, clock, listener, cancel, takeSpecPersistentDisk, q);
    }

    public RebootOptions withKernel(Optional<VmSpec.KernelBoot> k) {
        return new RebootOptions(method, switchMode, install, k, cloneShare, clock, listener, cancel, takeSpecPersistentDisk, quiesce);
    }
}
