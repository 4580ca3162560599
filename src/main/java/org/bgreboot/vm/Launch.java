package org.bgreboot.vm;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything that decides one QEMU process of a VM. The serving VM ("FG") has the persistent disk
 * and the port forwards; a background clone ("BG") starts paused with neither and is isolated until
 * the switch. {@code idle} runs the process at idle CPU and I/O priority (the clone, normally).
 */
public record Launch(
        VmSpec spec,
        Accel accel,
        RuntimeDir runtime,
        int generation,
        List<Path> systemOverlays,
        Optional<VmSpec.KernelBoot> boot,
        Role role,
        boolean idle) {

    public enum Role {
        /** The serving VM: persistent disk attached, ports forwarded, normal priority. */
        FOREGROUND,
        /** The background clone: no persistent disk, no forwards, started paused, idle priority. */
        BACKGROUND
    }

    public boolean background() {
        return role == Role.BACKGROUND;
    }
}
