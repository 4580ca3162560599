package org.bgreboot.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bgreboot.spec.VmSpec.SwitchPolicy;

/**
 * A spec that names a libvirt domain: the domain's XML gives memory, CPUs, disks, network and
 * boot, so the spec must not; it names the persistent disk by target or serial, says where
 * clients reach the VM, and gives the hooks, readiness and update as any spec. Its paths are
 * paths on the libvirt host, not looked for here.
 */
final class LibvirtSpec {
    private LibvirtSpec() {}

    /** A spec names a libvirt domain when it says engine = "libvirt" or has a [libvirt] section. */
    static boolean isOne(SpecFile raw) {
        return "libvirt".equals(raw.engine()) || (raw.engine() == null && raw.libvirt() != null);
    }

    static VmSpec read(Path file, SpecFile raw, String text, SpecCheck check) {
        String name = check.name(raw.name());
        refuseWhatTheDomainSays(raw, check);
        LibvirtSection.Domain where = LibvirtSection.read(raw.libvirt(), name, check);
        VmSpec.PersistentDiskRef disk = DomainDisk.read(raw.persistentDisk(), check);
        VmSpec.LibvirtDomain domain = new VmSpec.LibvirtDomain(where.connect(), where.name(), disk, text, where.announce());
        VmSpec.Network network = DomainNetwork.read(raw.network(), check);
        VmSpec.Hooks hooks = HooksSection.read(raw.hooks(), check);
        VmSpec.Readiness ready = ReadySection.read(raw.ready(), check);
        Optional<VmSpec.Update> update = UpdateSection.read(raw.update(), u -> updateKernel(u, check), check);
        if (update.flatMap(VmSpec.Update::fromGuest).isPresent()) {
            check.fail("update.guest_kernel is for VMs of the embedded engine: a libvirt domain that boots its own disk boots what its guest installed; "
                    + "one that boots a kernel file takes update.kernel, a path on the libvirt host");
        }
        SwitchPolicy policy = SwitchSection.read(raw.switchPolicy(), raw.hooks(), check);
        if (raw.switchPolicy() != null && raw.switchPolicy().disk() != null && policy.disk() != SwitchPolicy.DiskHandover.HOTPLUG) {
            check.fail("switch.disk = \"" + SpecCheck.shown(raw.switchPolicy().disk()) + "\": the libvirt engine hands the persistent disk over by "
                    + "hot-plug only (a swap would change a disk behind libvirt's back); use \"hotplug\" or leave it out");
        }
        policy = new SwitchPolicy(policy.release(), SwitchPolicy.DiskHandover.HOTPLUG);
        // placeholders until the engine reads the domain: the VM's memory, disks and boot are the domain's
        VmSpec.PersistentDisk unresolved = new VmSpec.PersistentDisk(Path.of("/"), "raw", disk.serial());
        return new VmSpec(file, name, ByteSize.ofMiB(HardwareSection.MIN_MEMORY >> 20), 1, "q35", List.of(), unresolved, network,
                Optional.empty(), hooks, ready, update, policy, Optional.of(domain));
    }

    private static void refuseWhatTheDomainSays(SpecFile raw, SpecCheck check) {
        for (String[] k : new String[][] {{raw.memory() == null ? null : "memory", "<memory>"}, {raw.cpus() == null ? null : "cpus", "<vcpu>"},
                {raw.machine() == null ? null : "machine", "<os><type machine=...>"},
                {raw.systemDisk() == null ? null : "[[system_disk]]", "<disk> elements"}, {raw.boot() == null ? null : "[boot]", "<os><kernel>"}}) {
            if (k[0] != null) {
                check.fail(k[0] + " does not belong in a libvirt spec: the domain's XML (" + k[1] + ") says it; remove it");
            }
        }
    }

    /** The update's kernel is a file on the libvirt host: an absolute path; without it, the domain's own kernel line is kept. */
    private static Optional<VmSpec.KernelBoot> updateKernel(SpecFile.Upd u, SpecCheck check) {
        if (u.kernel() == null) {
            if (u.initrd() != null || u.cmdline() != null) {
                check.fail("update.initrd and update.cmdline need update.kernel");
            }
            return Optional.empty();
        }
        Path kernel = hostPath("update.kernel", u.kernel(), check);
        Path initrd = u.initrd() == null ? null : hostPath("update.initrd", u.initrd(), check);
        return Optional.of(new VmSpec.KernelBoot(kernel, initrd, u.cmdline()));
    }

    private static Path hostPath(String key, String value, SpecCheck check) {
        if (value.isBlank() || !value.startsWith("/") || value.chars().anyMatch(Character::isISOControl)) {
            check.fail(key + " '" + SpecCheck.shown(value) + "' must be an absolute path on the libvirt host");
        }
        return Path.of(value).normalize();
    }
}
