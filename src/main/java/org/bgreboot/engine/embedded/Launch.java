package org.bgreboot.engine.embedded;

import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.VmState;

/**
 * Everything that decides one QEMU process of a VM: the spec it runs (its network identity and
 * persistent disk as that process has them), what it runs of the VM ({@link VmState}: generation,
 * layers, kernel), and its role. The serving VM ("FG") has the persistent disk and the port
 * forwards; a background clone ("BG") starts paused with neither and is isolated until the switch.
 * {@code idle} runs the process at idle CPU and I/O priority (the clone, normally). A clone that
 * will get the persistent disk by a swap boots with its device present, backed by nothing, of
 * {@code persistentPlaceholderBytes}.
 */
public record Launch(VmSpec spec, Accel accel, RuntimeDir runtime, VmState state, Role role, boolean idle, Optional<Path> incomingState,
                     Optional<Long> persistentPlaceholderBytes) {

    /** The tap this process's NIC opens (bridge mode), or empty (user networking). */
    public Optional<String> tap() {
        return spec.network().bridged() ? Optional.of(Taps.name(spec, state.generation())) : Optional.empty();
    }

    public Launch(VmSpec spec, Accel accel, RuntimeDir runtime, VmState state, Role role, boolean idle) {
        this(spec, accel, runtime, state, role, idle, Optional.empty(), Optional.empty());
    }

    public Launch(VmSpec spec, Accel accel, RuntimeDir runtime, VmState state, Role role, boolean idle, Optional<Path> incomingState) {
        this(spec, accel, runtime, state, role, idle, incomingState, Optional.empty());
    }

    public enum Role {
        /** The serving VM: persistent disk attached, ports forwarded, normal priority. */
        FOREGROUND,
        /** The background clone: no persistent disk, no forwards, started paused, idle priority. */
        BACKGROUND,
        /**
         * The clone's saved state loaded into a fresh process (the paper-faithful switch): the
         * clone's devices (a saved state loads only into the same ones), so the persistent disk's
         * placeholder if the clone had one, else no persistent disk; the disk is then swapped in or
         * hot-plugged as in a handover. It has the VM's port forwards: the old VM, killed by
         * then, has freed them.
         */
        RESTORED
    }

    public boolean background() {
        return role == Role.BACKGROUND;
    }
}
