package org.bgreboot.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A spec for the embedded engine (bgreboot runs QEMU itself): the spec says everything about the
 * VM, and its files are on this host, relative to the spec.
 */
final class EmbeddedSpec {
    private EmbeddedSpec() {}

    static VmSpec read(Path file, SpecFile raw, long hostMemoryBytes, SpecCheck check) {
        if (raw.engine() != null && !raw.engine().equals("embedded")) {
            check.fail("engine = \"" + SpecCheck.shown(raw.engine()) + "\" is unknown: use \"embedded\" (bgreboot runs QEMU itself, the default) or \"libvirt\"");
        }
        if (raw.libvirt() != null) {
            check.fail("[libvirt] applies to engine = \"libvirt\" only");
        }
        String name = check.name(raw.name());
        ByteSize memory = HardwareSection.memory(raw.memory(), hostMemoryBytes, check);
        int cpus = HardwareSection.cpus(raw.cpus(), check);
        String machine = HardwareSection.machine(raw.machine(), check);
        List<Path> systemDisks = DiskSection.systemDisks(raw.systemDisk(), check);
        VmSpec.PersistentDisk persistent = DiskSection.persistentDisk(raw.persistentDisk(), systemDisks, check);
        VmSpec.Network network = NetworkSection.read(raw.network(), name, check);
        Optional<VmSpec.KernelBoot> boot = BootSection.read(raw.boot(), check);
        VmSpec.Hooks hooks = HooksSection.read(raw.hooks(), check);
        VmSpec.Readiness ready = ReadySection.read(raw.ready(), check);
        Optional<VmSpec.Update> update = UpdateSection.read(raw.update(), BootSection.updateKernel(raw.boot(), check), check);
        if (update.flatMap(VmSpec.Update::fromGuest).isPresent() && raw.boot() == null) {
            check.fail("update.guest_kernel is set but the VM boots from disk: its boot loader boots what the guest installed; drop update.guest_kernel");
        }
        VmSpec.SwitchPolicy policy = SwitchSection.read(raw.switchPolicy(), raw.hooks(), check);
        return new VmSpec(file, name, memory, cpus, machine, systemDisks, persistent, network, boot, hooks, ready, update, policy,
                Optional.empty());
    }
}
