package org.bgreboot.reboot;

import java.time.Duration;
import java.util.Optional;
import org.bgreboot.keep.KeepLimits;
import org.bgreboot.measure.RunClock;
import org.bgreboot.spec.VmSpec;

/**
 * How a reboot is run.
 *
 * @param install     run the spec's update install command in the VM first
 * @param kernel      overrides the spec's update kernel (direct kernel boot)
 * @param bgShare     how much of the host the clone may take while it boots (adaptive by default)
 * @param bgDeadline  after this long the clone gets its fair share, however busy FG is; empty: half the readiness timeout
 * @param listener    hears the clone's launch and readiness
 * @param cancel      asks the reboot to stop (signals)
 * @param takeSpecPersistentDisk hand the updated VM the spec's persistent disk when it differs from the running one's
 * @param quiesce     freeze FG's system-disk filesystems around the clone point (a longer pause, a clean clone)
 * @param force       reboot into what is installed even when the guest says it needs no reboot
 * @param keepState   carry the guest's named services across the switch (bgreboot-keep), each of its
 *                    commands under these limits; empty: the services restart as always
 */
public record RebootOptions(Method method, SwitchMode switchMode, boolean install, Optional<VmSpec.KernelBoot> kernel,
                            BgShare bgShare, Optional<Duration> bgDeadline, RunClock clock, RebootListener listener, Cancel cancel,
                            boolean takeSpecPersistentDisk, boolean quiesce, boolean force,
                            Optional<KeepLimits> keepState) {

    public static RebootOptions background(RunClock clock) {
        return new RebootOptions(Method.BACKGROUND, SwitchMode.HANDOVER, true, Optional.empty(), BgShare.byDefault(), Optional.empty(), clock,
                RebootListener.NONE, Cancel.NEVER, false, false, false, Optional.empty());
    }

    public RebootOptions with(RebootListener l) {
        return new RebootOptions(method, switchMode, install, kernel, bgShare, bgDeadline, clock, l, cancel, takeSpecPersistentDisk, quiesce, force, keepState);
    }

    public RebootOptions with(Method m) {
        return new RebootOptions(m, switchMode, install, kernel, bgShare, bgDeadline, clock, listener, cancel, takeSpecPersistentDisk, quiesce, force, keepState);
    }

    public RebootOptions with(SwitchMode s) {
        return new RebootOptions(method, s, install, kernel, bgShare, bgDeadline, clock, listener, cancel, takeSpecPersistentDisk, quiesce, force, keepState);
    }

    public RebootOptions with(BgShare share) {
        return new RebootOptions(method, switchMode, install, kernel, share, bgDeadline, clock, listener, cancel, takeSpecPersistentDisk, quiesce, force, keepState);
    }

    public RebootOptions withBgDeadline(Optional<Duration> d) {
        return new RebootOptions(method, switchMode, install, kernel, bgShare, d, clock, listener, cancel, takeSpecPersistentDisk, quiesce, force, keepState);
    }

    public RebootOptions with(Cancel c) {
        return new RebootOptions(method, switchMode, install, kernel, bgShare, bgDeadline, clock, listener, c, takeSpecPersistentDisk, quiesce, force, keepState);
    }

    public RebootOptions withInstall(boolean i) {
        return new RebootOptions(method, switchMode, i, kernel, bgShare, bgDeadline, clock, listener, cancel, takeSpecPersistentDisk, quiesce, force, keepState);
    }

    public RebootOptions takingSpecPersistentDisk(boolean take) {
        return new RebootOptions(method, switchMode, install, kernel, bgShare, bgDeadline, clock, listener, cancel, take, quiesce, force, keepState);
    }

    public RebootOptions quiescing(boolean q) {
        return new RebootOptions(method, switchMode, install, kernel, bgShare, bgDeadline, clock, listener, cancel, takeSpecPersistentDisk, q, force, keepState);
    }

    public RebootOptions withKernel(Optional<VmSpec.KernelBoot> k) {
        return new RebootOptions(method, switchMode, install, k, bgShare, bgDeadline, clock, listener, cancel, takeSpecPersistentDisk, quiesce, force, keepState);
    }

    public RebootOptions forcing(boolean f) {
        return new RebootOptions(method, switchMode, install, kernel, bgShare, bgDeadline, clock, listener, cancel, takeSpecPersistentDisk, quiesce, f, keepState);
    }

    /** Keeps the guest's named services across the switch, each bgreboot-keep command under {@code limits}. */
    public RebootOptions keepingState(KeepLimits limits) {
        return new RebootOptions(method, switchMode, install, kernel, bgShare, bgDeadline, clock, listener, cancel, takeSpecPersistentDisk, quiesce, force,
                Optional.of(limits));
    }

    /** When the clone gets its fair share at the latest, for a VM whose readiness may take {@code readyTimeout}. */
    Duration deadline(Duration readyTimeout) {
        return bgDeadline.orElse(readyTimeout.dividedBy(2));
    }
}
