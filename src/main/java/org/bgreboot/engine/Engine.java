package org.bgreboot.engine;

import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;

/**
 * Where a VM's instances run: QEMU processes bgreboot starts itself ({@code embedded}), or a
 * libvirt host's domains. The reboot flow speaks only to this seam; an engine is the only code that
 * speaks QEMU or libvirt. A new engine implements this, {@link Vm}, {@link Instance} and
 * {@link ClonePoint}.
 */
public interface Engine extends AutoCloseable {

    /** For messages and results: {@code embedded}, {@code libvirt}. */
    String name();

    /** The VM a spec names, on this engine; {@code state} is bgreboot's own record of it (journal, lock). */
    Vm vm(VmSpec spec, StateDir state);

    /**
     * The spec a VM's serving instance was started with, from the engine's own record: how a
     * running VM is stopped or inspected when its spec file no longer loads.
     */
    default java.util.Optional<VmSpec> runningSpec(StateDir state) {
        return java.util.Optional.empty();
    }

    @Override default void close() { }
}
