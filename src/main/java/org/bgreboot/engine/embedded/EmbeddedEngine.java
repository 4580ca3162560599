package org.bgreboot.engine.embedded;

import java.util.function.Supplier;
import org.bgreboot.engine.Engine;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;

/**
 * The embedded engine: bgreboot starts and owns the QEMU processes itself, no daemon. The
 * accelerator is asked for only when a VM is started anew (the KVM probe takes seconds).
 */
public final class EmbeddedEngine implements Engine {
    public static final String NAME = "embedded";

    private final QemuLauncher launcher;
    private final Supplier<AccelChoice> accel;

    /** QEMU from {@code BGREBOOT_QEMU} or the PATH; {@code accel} is asked once, when a VM is first started. */
    public static EmbeddedEngine fromEnvironment(Supplier<AccelChoice> accel) {
        return new EmbeddedEngine(QemuLauncher.fromEnvironment(), accel);
    }

    EmbeddedEngine(QemuLauncher launcher, Supplier<AccelChoice> accel) {
        this.launcher = launcher;
        AccelChoice[] chosen = new AccelChoice[1];
        this.accel = () -> {
            synchronized (chosen) {
                if (chosen[0] == null) {
                    chosen[0] = accel.get();
                }
                return chosen[0];
            }
        };
    }

    /** The QEMU this engine runs (BGREBOOT_QEMU, else the PATH's). */
    public static java.nio.file.Path qemuBinary() {
        return QemuLauncher.qemuBinary();
    }

    @Override public String name() {
        return NAME;
    }

    @Override public java.util.Optional<VmSpec> runningSpec(StateDir state) {
        return new Runtimes(state).current().filter(r -> QemuProcess.livePid(r).isPresent()).flatMap(LaunchRecord::read).map(LaunchRecord::spec);
    }

    @Override public EmbeddedVm vm(VmSpec spec, StateDir state) {
        return new EmbeddedVm(spec, state, launcher, accel);
    }
}
