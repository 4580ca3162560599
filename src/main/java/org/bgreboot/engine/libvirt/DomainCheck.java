package org.bgreboot.engine.libvirt;

import java.util.List;
import java.util.stream.Collectors;
import org.bgreboot.UserError;

/**
 * Whether bgreboot can background-reboot a domain, from its definition, before anything is
 * touched: each refusal is one line saying what the domain lacks and what to do.
 */
final class DomainCheck {
    private DomainCheck() {}

    static void check(String vm, String domain, DomainXml x, DomainDisks disks, String specOrigin) {
        String d = "domain " + domain + (vm.equals(domain) ? "" : " (VM " + vm + ")");
        if (disks.persistent(x).isEmpty()) {
            throw new UserError(d + " has no disk with " + disks.persistentRef() + ", which " + specOrigin + " names as its persistent disk; its disks are "
                    + x.disks().stream().map(k -> k.target() + (k.serial().isEmpty() ? "" : " (serial " + k.serial() + ")")).collect(Collectors.joining(", "))
                    + ": name one of them in [persistent_disk]");
        }
        List<DomainXml.Disk> system = disks.system(x);
        if (system.isEmpty()) {
            throw new UserError(d + " has no system disk besides its persistent disk: there is nothing to clone");
        }
        for (DomainXml.Disk k : system) {
            if (!"file".equals(k.type())) {
                throw new UserError(d + ": its system disk " + k.target() + " is a " + ("block".equals(k.type()) ? "block device" : k.type() + " disk")
                        + " (" + (k.source().isEmpty() ? "no file" : k.source()) + "); bgreboot clones only file-backed system disks (qcow2 or raw "
                        + "files, by an external snapshot): move it to an image file, or mark it <readonly/> or <shareable/> if the clone may share it");
            }
            if (!k.format().equals("qcow2") && !k.format().equals("raw")) {
                throw new UserError(d + ": its system disk " + k.target() + " is " + k.format() + "; bgreboot clones qcow2 or raw files: convert it with qemu-img convert -O qcow2");
            }
        }
        if (x.agentChannel().isEmpty()) {
            throw new UserError(d + " has no guest-agent channel: add <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel> "
                    + "to its <devices> and run qemu-guest-agent in the guest (see guest/README.md)");
        }
        if (DomainXml.child(x.root(), "features").flatMap(f -> DomainXml.child(f, "acpi")).isEmpty()) {
            throw new UserError(d + " has no <features><acpi/></features>: libvirt then starts QEMU with -no-acpi and the persistent disk cannot be "
                    + "hot-plugged at the switch; add it");
        }
        if (!x.devices("hostdev").isEmpty()) {
            throw new UserError(d + " has a host device (<hostdev>): a clone cannot have it while the VM does; bgreboot cannot reboot it in the background");
        }
    }
}
