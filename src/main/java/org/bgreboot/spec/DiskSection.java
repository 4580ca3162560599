package org.bgreboot.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** [[system_disk]] and [persistent_disk] on the embedded engine: image files beside the spec. */
final class DiskSection {
    private static final Set<String> FORMATS = Set.of("raw", "qcow2");

    private DiskSection() {}

    static List<Path> systemDisks(List<SpecFile.Disk> listed, SpecCheck check) {
        if (listed == null || listed.isEmpty()) {
            check.fail("no system disk: add a [[system_disk]] table with path = \"system.qcow2\"");
        }
        List<Path> disks = new ArrayList<>();
        for (SpecFile.Disk d : listed) {
            Path p = check.existingFile("system_disk.path", d == null ? null : d.path());
            if (!p.toString().endsWith(".qcow2")) {
                check.fail("system_disk " + p + " must be a qcow2 image (it is cloned by a qcow2 snapshot): convert it with qemu-img convert -O qcow2");
            }
            disks.add(p);
        }
        if (new HashSet<>(disks).size() != disks.size()) {
            check.fail("the same system disk is listed twice");
        }
        return List.copyOf(disks);
    }

    static VmSpec.PersistentDisk persistentDisk(SpecFile.Persistent p, List<Path> systemDisks, SpecCheck check) {
        if (p == null) {
            check.fail("no persistent disk: add [persistent_disk] with path and serial (user data must live on a disk that is handed over, not cloned)");
        }
        if (p.target() != null) {
            check.fail("persistent_disk.target names a libvirt domain's disk: this spec runs on the embedded engine; give path and serial");
        }
        Path path = check.existingFile("persistent_disk.path", p.path());
        if (systemDisks.contains(path)) {
            check.fail("persistent_disk.path is also a system disk: the persistent disk must be a disk of its own");
        }
        String format = p.format() == null ? "raw" : p.format();
        if (!FORMATS.contains(format)) {
            check.fail("persistent_disk.format '" + format + "' is not supported: use raw or qcow2");
        }
        boolean qcow2 = isQcow2(path);
        if (qcow2 != format.equals("qcow2")) {
            check.fail("persistent_disk.format is " + format + " but " + path + (qcow2 ? " is a qcow2 image: set format = \"qcow2\""
                    : " is not a qcow2 image: set format = \"raw\""));
        }
        String serial = check.serial("persistent_disk.serial", check.require(p.serial(), "persistent_disk.serial", "serial = \"bgpersist\""));
        return new VmSpec.PersistentDisk(path, format, serial);
    }

    /** qcow2 images start with "QFI\xfb". */
    private static boolean isQcow2(Path p) {
        try (var in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' && (magic[3] & 0xff) == 0xfb;
        } catch (IOException e) {
            return false;
        }
    }
}
