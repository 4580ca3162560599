package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.bgreboot.UserError;
import org.bgreboot.engine.Engine;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;

/**
 * The libvirt engine: VMs are domains of a libvirt host that bgreboot did not create, reached by
 * URI as virsh reaches them. One connection per engine; the event loop runs before it is opened.
 */
public final class LibvirtEngine implements Engine {
    public static final String NAME = "libvirt";

    private final Host host;

    private LibvirtEngine(Host host) {
        this.host = host;
    }

    /** @param uri as virsh's --connect takes it; empty: LIBVIRT_DEFAULT_URI, else libvirt's default */
    public static LibvirtEngine connect(Optional<String> uri) {
        return new LibvirtEngine(Host.connect(uri.orElse(null)));
    }

    /** The URI libvirt says this connection has. */
    public String uri() {
        return host.uri();
    }

    @Override public String name() {
        return NAME;
    }

    @Override public LibvirtVm vm(VmSpec spec, StateDir state) {
        if (spec.libvirt().isEmpty()) {
            throw new UserError("VM " + spec.name() + " is not a libvirt domain (its spec " + spec.file() + " has no [libvirt] section): "
                    + "drop --connect to run it on the embedded engine");
        }
        return LibvirtVm.open(host, spec, state);
    }

    /** One domain of the host as {@code vm list --connect} shows it. */
    public record Listing(String domain, String vm, int generation, String role, boolean running, boolean persistent) {
        public String line() {
            return String.format("%-20s %-24s %-8s %s", vm.isEmpty() ? "-" : vm, domain, running ? "running" : "shut off",
                    vm.isEmpty() ? "(not known to bgreboot)" : "generation " + generation + ", " + role + (persistent ? "" : ", transient"));
        }
    }

    /** Every domain of the host, the VM each belongs to (by its bgreboot metadata) first. */
    public List<Listing> list() {
        List<Listing> out = new ArrayList<>();
        for (Host.DomainEntry e : host.domains()) {
            out.add(new Listing(e.name(), e.metadata().map(VmMetadata::name).orElse(""), e.metadata().map(VmMetadata::generation).orElse(0),
                    e.metadata().map(VmMetadata::role).orElse(""), e.active(), e.persistent()));
        }
        out.sort(Comparator.comparing(Listing::vm).thenComparing(Listing::domain));
        return out;
    }

    /**
     * The spec of the VM called {@code ref} on this host, from its domain's metadata: a VM's
     * stable name, or the name of one of its domains. Empty when no domain there has a spec
     * recorded for it; a domain called so that has none gets a one-line error naming what to write.
     */
    public Optional<VmSpec> specOf(String ref, SpecLoader loader) {
        List<Host.DomainEntry> all = host.domains();
        Optional<Host.DomainEntry> byVm = all.stream().filter(e -> e.metadata().map(m -> m.name().equals(ref) && !m.spec().isEmpty()).orElse(false))
                .max(Comparator.comparingInt(e -> e.metadata().get().generation()));
        Optional<Host.DomainEntry> entry = byVm.or(() -> all.stream().filter(e -> e.name().equals(ref)).findFirst());
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        Optional<VmMetadata> md = entry.get().metadata().filter(m -> !m.spec().isEmpty());
        if (md.isEmpty()) {
            throw new UserError("domain " + ref + " on " + host.uri() + " has no persistent disk named: write a spec for it (engine = \"libvirt\", "
                    + "[libvirt] domain = \"" + ref + "\", [persistent_disk] target = \"vdb\", hooks, ready, update; see README) and give its path");
        }
        return Optional.of(loader.loadText(md.get().spec(), Path.of("/<metadata of domain " + entry.get().name() + ">")));
    }

    /**
     * Adopt's first look at a domain: refuses one that is missing, transient, stopped, or the VM of
     * another name already, in one line; nothing is changed.
     */
    public void adoptable(String domain, String vm) {
        DomainAdoption.precheck(host, domain, vm);
    }

    /** The domain's disks as a message names them: {@code vda, vdb (serial data)}. */
    public List<String> disksOf(String domain) {
        return DomainAdoption.disks(host, domain);
    }

    /** Makes the domain the VM {@code vm}: its spec recorded in its metadata (live and next boot). */
    public void adopt(String domain, String vm, String specText) {
        DomainAdoption.record(host, domain, vm, specText);
    }

    /** The names of the host's domains, running or defined. */
    public List<String> domainNames() {
        return host.domains().stream().map(Host.DomainEntry::name).sorted().toList();
    }

    /** Whether any domain of the host is the VM {@code vm} or is called {@code vm}. */
    public boolean has(String vm) {
        return host.domains().stream().anyMatch(e -> e.name().equals(vm) || e.metadata().map(m -> m.name().equals(vm)).orElse(false));
    }

    /** Defines a domain from its XML (labs and tests set up domains a user would have made). */
    public void define(String xml) {
        LibvirtCall.of("libvirt refused the domain XML", () -> host.conn().domainDefineXML(xml));
    }

    /** Ends and undefines every domain of the VM {@code vm} (by metadata) and a domain called {@code domain}: labs and tests start over. */
    public void removeVm(String vm, String domain) {
        for (Host.DomainEntry e : host.domains()) {
            if (e.name().equals(domain) || e.metadata().map(m -> m.name().equals(vm)).orElse(false)) {
                host.lookup(e.name()).ifPresent(d -> {
                    try {
                        if (d.isActive() == 1) {
                            d.destroy();
                        }
                        if (d.isPersistent() == 1) {
                            d.undefine();
                        }
                    } catch (org.libvirt.LibvirtException ex) {
                        throw new LibvirtFailure("cannot remove domain " + e.name(), ex);
                    }
                });
            }
        }
    }

    /** Whether the host still answers (a cheap call on the open connection). */
    public boolean reachable() {
        try {
            host.conn().getLibVirVersion();
            return host.conn().isAlive();
        } catch (org.libvirt.LibvirtException | RuntimeException e) {
            return false;
        }
    }

    /** The host's CPUs. */
    public int cpus() {
        return host.cpus();
    }

    /** Memory a new domain could take on the host now (free, cache and buffers), in bytes. */
    public long availableMemoryBytes() {
        return host.availableMemoryBytes();
    }

    /** The host's lease (one watch at a time per host, and no manual reboot while it rolls). */
    public HostLease lease() {
        return new HostLease(host);
    }

    @Override public void close() {
        host.close();
    }
}
