package org.bgreboot.reboot;

import org.bgreboot.Progress;
import org.bgreboot.vm.QemuLauncher;
import org.bgreboot.vm.Vm;

/** Runs a reboot by the method its options name. */
public final class Reboots {
    private Reboots() {}

    public static RebootResult run(Vm vm, QemuLauncher launcher, RebootOptions opts, Progress progress) {
        return opts.method() == Method.BACKGROUND
                ? new BackgroundReboot(vm, launcher, opts, progress).run()
                : new InPlaceReboot(vm, launcher, opts, progress).run();
    }
}
