package org.bgreboot.reboot;

import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a reboot by the method its options name; what every method's result says of the VM afterwards. */
public final class Reboots {
    private static final Logger log = LoggerFactory.getLogger(Reboots.class);

    private Reboots() {}

    public static RebootResult run(Vm vm, RebootOptions opts, Progress progress) {
        return opts.method() == Method.BACKGROUND
                ? new BackgroundReboot(vm, opts, progress).run()
                : new InPlaceReboot(vm, opts, progress).run();
    }

    /** Which instance serves the VM now, as its engine names it (a pid, a domain), for results. */
    static Optional<String> serving(Vm vm) {
        try {
            return vm.serving().map(i -> {
                try (i) {
                    return i.describe();
                }
            });
        } catch (RuntimeException e) {
            log.debug("serving instance unknown: {}", e.toString());
            return Optional.empty();
        }
    }

    /** The serving system disk's chain depth; 0 where it cannot be told. */
    static int chainDepth(Vm vm) {
        try {
            return vm.inspection().chainDepth();
        } catch (RuntimeException e) {
            log.debug("chain depth unknown: {}", e.toString());
            return 0;
        }
    }
}
