package org.bgreboot.reboot;

import org.bgreboot.Progress;
import org.bgreboot.engine.Vm;

/** Runs a reboot by the method its options name. */
public final class Reboots {
    private Reboots() {}

    public static RebootResult run(Vm vm, RebootOptions opts, Progress progress) {
        return opts.method() == Method.BACKGROUND
                ? new BackgroundReboot(vm, opts, progress).run()
                : new InPlaceReboot(vm, opts, progress).run();
    }
}
