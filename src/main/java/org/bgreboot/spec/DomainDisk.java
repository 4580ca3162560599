package org.bgreboot.spec;

/** [persistent_disk] in a libvirt spec: which of the domain's disks holds the user data, by target or serial, never guessed. */
final class DomainDisk {
    private DomainDisk() {}

    static VmSpec.PersistentDiskRef read(SpecFile.Persistent p, SpecCheck check) {
        if (p == null || (p.target() == null && p.serial() == null)) {
            check.fail("no persistent disk named: add [persistent_disk] with target = \"vdb\" (or serial = \"...\"): which of the domain's disks "
                    + "holds the user data is never guessed");
        }
        if (p.path() != null || p.format() != null) {
            check.fail("persistent_disk.path and .format do not belong in a libvirt spec: name the domain's disk by target or serial");
        }
        if (p.target() != null && p.serial() != null) {
            check.fail("persistent_disk: give target or serial, not both");
        }
        if (p.target() != null && !p.target().matches("[a-z]{1,4}[a-z0-9]{0,6}")) {
            check.fail("persistent_disk.target '" + SpecCheck.shown(p.target()) + "' is not a disk target like vdb or sdb");
        }
        String serial = p.serial() == null ? "" : check.serial("persistent_disk.serial", p.serial());
        return new VmSpec.PersistentDiskRef(p.target() == null ? "" : p.target(), serial);
    }
}
