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

    /**
     * A stop asked for while PREPARE ran (the update installing in the guest): nothing was created
     * yet, so the VM serves exactly as it did. An aborted outcome like any other, with its signal.
     */
    static RebootResult stoppedWhilePreparing(Vm vm, RebootOptions opts, Timings t, Progress progress, String signal) {
        Outcome.Aborted outcome = new Outcome.Aborted("stopped by " + signal + " while preparing, before anything was created"
                + " (an update install under way runs on in the guest)", true, Optional.of(signal));
        progress.step("ABORT: " + outcome.reason());
        opts.listener().aborted(t.now());
        opts.listener().outcome(outcome);
        double now = t.now();
        return new RebootResult(vm.spec().name(), vm.engine(), opts.method(), opts.switchMode(), outcome, Double.NaN, now, now, t.steps(),
                t.spans(), vm.state().generation(), chainDepth(vm), Optional.empty(), opts.method() == Method.BACKGROUND
                ? Optional.of(new BgShareReport(opts.bgShare(), opts.bgShare(), Double.NaN, 0, false, "the clone never booted")) : Optional.empty(),
                serving(vm));
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

    /** The generation the VM's record says it runs; {@code otherwise} where it cannot be read. */
    static int generation(Vm vm, int otherwise) {
        try {
            return vm.stateDir().readState().map(org.bgreboot.state.VmState::generation).orElse(otherwise);
        } catch (RuntimeException e) {
            log.debug("generation unknown: {}", e.toString());
            return otherwise;
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
