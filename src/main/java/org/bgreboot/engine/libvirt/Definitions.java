package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.bgreboot.UserError;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.VmState;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A VM's domains on its host and its persistent definition, generation by generation: the VM is
 * its persistent domain of the highest generation; every domain whose bgreboot metadata names the
 * VM (and its first domain while that has none) is one of its generations. New generations are
 * defined here, older definitions undefined, autostart carried over; each step looks first at
 * what is there, so it can be run again.
 */
final class Definitions {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Definitions.class);
    static final int XML_SECURE = 1;
    static final int XML_INACTIVE = 2;
    private static final long DEFAULT_SHARES = 1024;

    private final Host host;
    private final VmSpec spec;
    private final Generations names;
    private final DomainDisks disks;

    Definitions(Host host, VmSpec spec, Generations names, DomainDisks disks) {
        this.host = host;
        this.spec = spec;
        this.names = names;
        this.disks = disks;
    }

    /** The VM's domains on the host: those whose metadata names it, and its first domain while it has none. */
    List<Host.DomainEntry> mine() {
        List<Host.DomainEntry> out = new ArrayList<>();
        for (Host.DomainEntry e : host.domains()) {
            if (e.metadata().map(m -> m.name().equals(spec.name())).orElse(e.name().equals(names.firstDomain()))) {
                out.add(e);
            }
        }
        return out;
    }

    /** The running domain that serves: the one of the highest generation whose metadata does not call it a clone. */
    Optional<String> serving() {
        return mine().stream().filter(Host.DomainEntry::active)
                .filter(e -> e.metadata().map(VmMetadata::serving).orElse(true))
                .max(Comparator.comparingInt(e -> e.metadata().map(VmMetadata::generation).orElse(0)))
                .map(Host.DomainEntry::name);
    }

    List<String> running() {
        return mine().stream().filter(Host.DomainEntry::active).map(Host.DomainEntry::name).toList();
    }

    /** The name of the VM's persistent definition: its persistent domain of the highest generation. */
    String definition() {
        List<Host.DomainEntry> all = mine();
        Optional<Host.DomainEntry> def = all.stream().filter(Host.DomainEntry::persistent)
                .max(Comparator.comparingInt(e -> e.metadata().map(VmMetadata::generation).orElse(0)));
        if (def.isPresent()) {
            return def.get().name();
        }
        Optional<Host.DomainEntry> first = host.domains().stream().filter(e -> e.name().equals(names.firstDomain())).findFirst();
        if (first.isPresent() && first.get().metadata().isPresent()) {
            throw new UserError("domain " + names.firstDomain() + " belongs to VM " + first.get().metadata().get().name()
                    + " (its bgreboot metadata says so), not to " + spec.name());
        }
        if (!all.isEmpty()) {
            throw new UserError("domain " + all.get(0).name() + " of VM " + spec.name() + " is transient: bgreboot needs a persistent definition "
                    + "(the next boot must boot the update): virsh dumpxml " + all.get(0).name() + " > vm.xml; virsh define vm.xml");
        }
        throw new UserError("no domain named " + names.firstDomain() + " on " + host.uri() + " (and none that bgreboot knows as VM " + spec.name()
                + "): check the name ('virsh -c " + host.uri() + " list --all' lists them) and [libvirt] domain in " + spec.file());
    }

    DomainXml definitionXml() {
        return xmlOf(definition(), XML_SECURE | XML_INACTIVE);
    }

    /** A domain's XML; {@code flags} {@link #XML_INACTIVE} for its next boot's. */
    DomainXml xmlOf(String domain, int flags) {
        return DomainXml.parse(host.call("cannot read domain " + domain + "'s XML", () -> lookup(domain).getXMLDesc(flags)));
    }

    /** Whether a domain of the host is one of the VM's: by its metadata, or it is the VM's first domain and has none. */
    boolean belongs(String domain) {
        return host.call("cannot read domain " + domain + "'s metadata", () -> Host.metadata(lookup(domain), 0))
                .map(m -> m.name().equals(spec.name())).orElse(domain.equals(names.firstDomain()));
    }

    /** A domain of the VM by name, running or not. */
    Optional<Domain> domainOf(String domain) {
        return host.lookup(domain).filter(d -> belongs(domain));
    }

    /** Whether a domain of that name runs now. */
    boolean active(String domain) {
        return host.call("cannot ask whether " + domain + " runs", () -> host.lookupNow(domain).map(this::activeNow).orElse(false));
    }

    private boolean activeNow(Domain d) {
        try {
            return d.isActive() == 1;
        } catch (LibvirtException e) {
            return false; // it ended meanwhile
        }
    }

    /** The generation the VM's definition says it runs. */
    int generation() {
        String def = definition();
        return host.call("cannot read " + def + "'s metadata", () -> Host.metadata(lookup(def), Virt.AFFECT_CONFIG)).map(VmMetadata::generation).orElse(0);
    }

    VmState state() {
        DomainXml x = definitionXml();
        return new VmState(generation(), disks.system(x).stream().map(d -> Path.of(d.source())).toList(), GenerationXml.boot(x), spec.persistentDisk());
    }

    /** The metadata a domain of the VM gets: the VM's name and the spec it is run with now, in {@code role} at {@code generation}. */
    VmMetadata metadata(String role, int generation) {
        String def = definition();
        Optional<VmMetadata> current = host.call("cannot read " + def + "'s metadata", () -> Host.metadata(lookup(def), Virt.AFFECT_CONFIG));
        String text = spec.libvirt().map(VmSpec.LibvirtDomain::specText).orElse("");
        return new VmMetadata(spec.name(), generation, role, text.isEmpty() ? current.map(VmMetadata::spec).orElse("") : text);
    }

    /** Records the VM's name, generation and spec in a domain bgreboot starts as the VM ({@code vm start}). */
    void markServing(String domain, int generation) {
        VmMetadata md = new VmMetadata(spec.name(), generation, VmMetadata.SERVING, spec.libvirt().map(VmSpec.LibvirtDomain::specText).orElse(""));
        host.run("cannot record the VM in domain " + domain + "'s metadata", () -> {
            Domain d = lookup(domain);
            if (!Host.metadata(d, 0).equals(Optional.of(md))) {
                Virt.setMetadata(d, md.toPlainXml(), VmMetadata.PREFIX, VmMetadata.NS, Virt.AFFECT_LIVE | (d.isPersistent() == 1 ? Virt.AFFECT_CONFIG : 0));
            }
        });
    }

    /**
     * Defines generation {@code s.generation()} from the VM's definition, unless it runs: the
     * domain {@code VM-gN} with {@code s}'s layers and kernel, autostart carried over; the new
     * definition of the VM.
     */
    String defineGeneration(VmState s) {
        String def = definition();
        DomainXml defXml = xmlOf(def, XML_SECURE | XML_INACTIVE);
        String name = names.domain(s.generation());
        Optional<String> uuid = host.call("cannot look up domain " + name, () -> {
            Optional<Domain> existing = host.lookupNow(name);
            if (existing.isPresent() && activeNow(existing.get())) {
                throw new UserError("domain " + name + " of VM " + spec.name() + " runs already");
            }
            return existing.isPresent() ? Optional.of(existing.get().getUUIDString()) : Optional.<String>empty();
        });
        DomainXml x = GenerationXml.of(defXml, disks, name, uuid, Optional.empty(), s, metadata(VmMetadata.SERVING, s.generation()));
        host.run("cannot define domain " + name + " for VM " + spec.name(), () -> host.conn().domainDefineXML(x.print()));
        carryAutostart(def, name);
        return name;
    }

    /**
     * The running domain {@code domain} becomes the VM's persistent definition, made from the old
     * one with {@code s}'s layers and kernel, keeping the domain's name, UUID and generation id, and
     * where it logs (autostart carried over). The old definition goes in {@link #forget}.
     */
    void define(DomainXml live, String domain, VmState s) {
        String def = definition();
        DomainXml defXml = xmlOf(def, XML_SECURE | XML_INACTIVE);
        VmMetadata md = metadata(VmMetadata.SERVING, s.generation());
        host.run("cannot record the VM in domain " + domain + "'s metadata",
                () -> Virt.setMetadata(lookup(domain), md.toPlainXml(), VmMetadata.PREFIX, VmMetadata.NS, Virt.AFFECT_LIVE));
        DomainXml x = GenerationXml.of(defXml, disks, domain, live.uuid(), live.genid(), s, md);
        live.serialLog().ifPresent(log -> GenerationXml.serialLog(x, Path.of(log))); // a cold boot logs where this generation did
        host.run("cannot make domain " + domain + " the persistent definition of VM " + spec.name(), () -> host.conn().domainDefineXML(x.print()));
        if (!def.equals(domain)) {
            carryAutostart(def, domain);
        }
    }

    /** The definitions of generations before {@code generation} that no longer run. */
    void undefineOlder(int generation) {
        for (Host.DomainEntry e : mine()) {
            if (!e.active() && e.persistent() && e.metadata().map(VmMetadata::generation).orElse(0) < generation) {
                undefine(e.name());
            }
        }
    }

    /**
     * An old generation's definition goes once a newer one is the VM's, and its serial log with it;
     * a domain that runs, or is the VM's definition, stays. A clone that ended leaves its log (kept
     * beside the journal if it told anything) and its rehearsal disk.
     */
    void forget(String domain) {
        Optional<Domain> d = host.lookup(domain);
        if (d.isPresent() && active(domain)) {
            return;
        }
        boolean persistent = d.isPresent() && host.call("cannot read " + domain, () -> d.get().isPersistent() == 1);
        if (!persistent) {
            deleteSerialLog(domain);
            if (names.isGeneration(domain) && !domain.equals(names.firstDomain())) {
                host.files().delete(names.rehearsalDisk(layerDir(), domain));
            }
            return;
        }
        if (!belongs(domain)) {
            return;
        }
        int gen = host.call("cannot read " + domain + "'s metadata", () -> Host.metadata(lookup(domain), Virt.AFFECT_CONFIG)).map(VmMetadata::generation).orElse(0);
        boolean newer = mine().stream().anyMatch(e -> e.persistent() && !e.name().equals(domain) && e.metadata().map(VmMetadata::generation).orElse(0) > gen);
        if (newer) {
            undefine(domain);
            deleteSerialLog(domain);
        }
    }

    private void undefine(String domain) {
        host.run("cannot undefine the old definition " + domain, () -> {
            Optional<Domain> d = host.lookupNow(domain);
            if (d.isPresent()) {
                d.get().undefine();
            }
        });
    }

    private void deleteSerialLog(String domain) {
        try {
            names.serialLog(domain).ifPresent(host.files()::delete);
        } catch (RuntimeException e) {
            log.debug("cannot delete the serial log of {}: {}", domain, e.toString());
        }
    }

    /** Where the VM's layers go: beside its first system disk's current file. */
    Path layerDir() {
        return Path.of(disks.system(definitionXml()).get(0).source()).getParent();
    }

    /** The CPU weight the VM's definition gives its domains ({@code <cputune><shares>}), else libvirt's default. */
    long shares() {
        return DomainXml.child(definitionXml().root(), "cputune").flatMap(t -> DomainXml.text(t, "shares")).map(Long::parseLong).orElse(DEFAULT_SHARES);
    }

    private void carryAutostart(String from, String to) {
        host.run("cannot carry the VM's autostart over to its new definition", () -> {
            if (lookup(from).getAutostart()) {
                lookup(to).setAutostart(true);
            }
        });
    }

    /** The domain on the current connection, inside a call; a missing one throws libvirt's VIR_ERR_NO_DOMAIN. */
    private Domain lookup(String domain) throws LibvirtException {
        return host.conn().domainLookupByName(domain);
    }
}
