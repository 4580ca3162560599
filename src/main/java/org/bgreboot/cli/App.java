package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Engine;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.embedded.AccelChoice;
import org.bgreboot.engine.embedded.AccelDetector;
import org.bgreboot.engine.embedded.EmbeddedEngine;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.Specs;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/** What every command needs, made on demand (QEMU is looked up only by commands that run it). */
final class App {
    final Home home = Home.fromEnvironment();
    final Progress progress = Progress.printingTo(System.err);
    private final EngineOptions options;
    private AccelChoice accel;

    App(EngineOptions options) {
        this.options = options == null ? new EngineOptions() : options;
    }

    Specs specs() {
        return new Specs(home, SpecLoader.forThisHost(home.vms()));
    }

    Engine engine() {
        return EmbeddedEngine.fromEnvironment(this::accel);
    }

    Vm vm(String ref) {
        VmSpec spec = specs().resolve(ref, progress);
        return engine().vm(spec, home.stateDir(spec.name()));
    }

    /**
     * The VM to stop or inspect. When its spec no longer loads (edited, broken) but the VM runs,
     * the spec it was started with stands in: stopping or looking at a running VM never needs a valid spec.
     */
    Vm runningVm(String ref) {
        try {
            return vm(ref);
        } catch (UserError e) {
            if (!ref.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
                throw e;
            }
            Engine engine = engine();
            Optional<VmSpec> launched = engine.runningSpec(home.stateDir(ref));
            if (launched.isEmpty()) {
                throw e;
            }
            progress.step("the spec of " + ref + " does not load (" + e.getMessage() + "); using the one it was started with");
            return engine.vm(launched.get(), home.stateDir(ref));
        }
    }

    /** KVM if it really works here, else TCG; printed so nobody wonders why a boot is slow. Asked once. */
    synchronized AccelChoice accel() {
        if (accel == null) {
            AccelDetector detector = new AccelDetector(EmbeddedEngine.qemuBinary(), home.cache().resolve("accel.json"));
            accel = detector.choose(Optional.ofNullable(options.accel), this::probeKernel);
            progress.step("accelerator: " + accel);
        }
        return accel;
    }

    /** A kernel for the KVM test boot: the demo guest's. */
    private Path probeKernel() {
        var demo = new GuestBuilder(home).ensure("demo", progress::step);
        return demo.kernel(demo.first()).orElseThrow();
    }
}
