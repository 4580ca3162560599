package org.bgreboot.state;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.bgreboot.spec.VmSpec;
/**
 * What changes as a VM is started and rebooted, kept in {@code vm.json} of its state directory:
 * the generation (one per boot of a new clone; it names the runtime directory), the overlays the
 * running system disks write to, and the kernel it boots (direct kernel boot only; after an update
 * this is the new kernel).
 */
public record VmState(int generation, List<Path> systemOverlays, Optional<VmSpec.KernelBoot> boot) {

    public VmState {
        systemOverlays = List.copyOf(systemOverlays);
    }
}
