package org.bgreboot.engine.libvirt;

import java.util.List;
import java.util.Optional;
import org.bgreboot.spec.VmSpec;

/**
 * Which of a domain's disks is which: the persistent disk is the one the spec names (by target
 * or serial, never guessed); every other writable {@code device='disk'} is a system disk, cloned at
 * the clone point; CD-ROMs and read-only or shareable disks are shared by the clone as they are.
 */
record DomainDisks(VmSpec.PersistentDiskRef persistentRef) {

    Optional<DomainXml.Disk> persistent(DomainXml x) {
        return x.disks().stream().filter(d -> persistentRef.matches(d.target(), d.serial())).findFirst();
    }

    List<DomainXml.Disk> system(DomainXml x) {
        return x.disks().stream().filter(d -> d.device().equals("disk") && !d.readonly() && !persistentRef.matches(d.target(), d.serial())).toList();
    }
}
