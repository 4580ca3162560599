package org.bgreboot.engine.libvirt;

import java.util.List;
import java.util.Optional;
import org.bgreboot.UserError;
import org.libvirt.Domain;

/**
 * What {@code bgreboot adopt} asks of a domain before it checks the guest, and how it records the
 * spec: in the domain's bgreboot metadata, the same element {@code vm start} writes, so the domain
 * alone says which VM it is and how to reboot it.
 */
final class DomainAdoption {
    private DomainAdoption() {}

    /**
     * Refuses, in one line, a domain adopt cannot make a VM of: missing, transient, not running, or
     * already the VM of another name. What its definition lacks (an agent channel, the persistent
     * disk, a host device) is the engine's usual check, made when the VM is opened.
     */
    static void precheck(Host host, String domain, String vm) {
        Domain d = host.lookup(domain).orElseThrow(() -> new UserError("no domain " + domain + " on " + host.uri()
                + ": give a domain's name as 'virsh list --all' shows it"));
        boolean persistent = LibvirtCall.of("cannot read domain " + domain, () -> d.isPersistent() == 1);
        if (!persistent) {
            throw new UserError("domain " + domain + " is transient: a VM's next boot needs a persistent definition; define it with 'virsh define' first");
        }
        Optional<VmMetadata> md = Host.metadata(d, Virt.AFFECT_CONFIG).or(() -> Host.metadata(d, 0));
        if (md.isPresent() && !md.get().name().equals(vm)) {
            throw new UserError("domain " + domain + " is VM " + md.get().name() + " already (its bgreboot metadata says so): adopt it under that name, "
                    + "or remove the metadata with 'virsh metadata " + domain + " " + VmMetadata.NS + " --remove --config' to adopt it anew");
        }
        DomainXml def = DomainXml.parse(LibvirtCall.of("cannot read domain " + domain + "'s definition",
                () -> d.getXMLDesc(Definitions.XML_SECURE | Definitions.XML_INACTIVE)));
        if (!def.devices("hostdev").isEmpty()) {
            throw new UserError("domain " + domain + " has a host device (<hostdev>): a clone cannot have it while the VM does; "
                    + "bgreboot cannot reboot it in the background");
        }
        boolean running = LibvirtCall.of("cannot read domain " + domain, () -> d.isActive() == 1);
        if (!running) {
            throw new UserError("domain " + domain + " is not running: adopt checks the guest through its agent; start it with 'virsh start " + domain + "'");
        }
    }

    /** The domain's running disks' targets and serials, for a message that names them. */
    static List<String> disks(Host host, String domain) {
        Domain d = host.lookup(domain).orElseThrow();
        DomainXml x = DomainXml.parse(LibvirtCall.of("cannot read domain " + domain + "'s XML", () -> d.getXMLDesc(Definitions.XML_SECURE)));
        return x.disks().stream().map(k -> k.target() + (k.serial().isEmpty() ? "" : " (serial " + k.serial() + ")")).toList();
    }

    /** Records the spec in the running domain and its definition; generation 0, serving. */
    static void record(Host host, String domain, String vm, String specText) {
        Domain d = host.lookup(domain).orElseThrow();
        VmMetadata md = new VmMetadata(vm, 0, VmMetadata.SERVING, specText);
        Virt.setMetadata(d, md.toPlainXml(), VmMetadata.PREFIX, VmMetadata.NS, Virt.AFFECT_LIVE | Virt.AFFECT_CONFIG);
    }
}
