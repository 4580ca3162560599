package org.bgreboot.state;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bgreboot.spec.VmSpec;

/**
 * What a VM runs, kept with it: the generation (one per boot of a new clone), the layers its
 * system disks write to, the kernel it boots (direct kernel boot only; after an update, the new
 * one), and the persistent disk it has. The spec may be edited while the VM runs; what runs is
 * this, until a reboot or a new start takes the spec's.
 */
public record VmState(int generation, List<Path> systemOverlays, Optional<VmSpec.KernelBoot> boot, VmSpec.PersistentDisk persistentDisk) {

    public VmState {
        systemOverlays = List.copyOf(systemOverlays);
    }

    public VmState withGeneration(int g) {
        return new VmState(g, systemOverlays, boot, persistentDisk);
    }

    /** The persistent disk, or the spec's for a state written before it was recorded. */
    public VmSpec.PersistentDisk persistentDiskOr(VmSpec spec) {
        return persistentDisk != null ? persistentDisk : spec.persistentDisk();
    }
}
