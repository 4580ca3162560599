package org.bgreboot.engine.libvirt;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.UserError;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * One libvirt host, connected by URI as virsh connects ({@code qemu:///system},
 * {@code qemu+unix:///system?socket=...}, {@code qemu+tcp://...}, {@code qemu+ssh://...}; none:
 * LIBVIRT_DEFAULT_URI, else libvirt's default), with the domains it has and what bgreboot needs of
 * it: their events, files through its storage API, its CPUs and free memory.
 */
final class Host implements AutoCloseable {
    private final Connect conn;
    private final String uri;
    private final LifecycleEvents events;
    private final HostFiles files;

    /** A domain of the host and the bgreboot metadata it has now (its live one if it runs). */
    record DomainEntry(String name, boolean active, boolean persistent, Optional<VmMetadata> metadata) {}

    private Host(Connect conn, String uri) {
        this.conn = conn;
        this.uri = uri;
        this.events = new LifecycleEvents(conn);
        this.files = new HostFiles(conn);
    }

    /** @param uri null: LIBVIRT_DEFAULT_URI, else libvirt's default */
    static Host connect(String uri) {
        String wanted = uri != null ? uri : System.getenv("LIBVIRT_DEFAULT_URI");
        LibvirtRuntime.ensureStarted();
        try {
            Connect c = new Connect(wanted);
            c.setKeepAlive(5, 3); // a host that stops answering is noticed within ~20 s
            return new Host(c, c.getURI());
        } catch (LibvirtException e) {
            throw new UserError("cannot reach libvirt at " + (wanted == null ? "its default URI" : wanted) + ": " + LibvirtFailure.message(e)
                    + "; check the URI (as 'virsh -c URI' takes it) and that libvirtd runs there");
        }
    }

    String uri() {
        return uri;
    }

    Connect conn() {
        return conn;
    }

    LifecycleEvents events() {
        return events;
    }

    HostFiles files() {
        return files;
    }

    /** Whether files the host writes (a serial log) can be read here too: a local URI. */
    boolean local() {
        try {
            String h = URI.create(uri).getHost();
            return h == null || h.isEmpty() || h.equals("localhost") || h.startsWith("127.");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    Optional<Domain> lookup(String name) {
        try {
            return Optional.of(conn.domainLookupByName(name));
        } catch (LibvirtException e) {
            if (LibvirtFailure.noDomain(e)) {
                return Optional.empty();
            }
            throw new LibvirtFailure("cannot look up domain " + name + " on " + uri, e);
        }
    }

    /** Every domain of the host, running or defined, with its bgreboot metadata. */
    List<DomainEntry> domains() {
        List<DomainEntry> out = new ArrayList<>();
        for (int id : LibvirtCall.of("cannot list the domains of " + uri, conn::listDomains)) {
            try {
                Domain d = conn.domainLookupByID(id);
                out.add(new DomainEntry(d.getName(), true, d.isPersistent() == 1, metadata(d, 0)));
            } catch (LibvirtException e) {
                // it ended while we looked
            }
        }
        for (String name : LibvirtCall.of("cannot list the domains of " + uri, conn::listDefinedDomains)) {
            lookup(name).ifPresent(d -> out.add(new DomainEntry(name, false, true, metadata(d, 0))));
        }
        return out;
    }

    /** bgreboot's metadata of a domain: {@code flags} 0 for its current definition, {@link Virt#AFFECT_CONFIG} for its next boot's. */
    static Optional<VmMetadata> metadata(Domain d, int flags) {
        return Virt.metadata(d, VmMetadata.NS, flags).flatMap(VmMetadata::parse);
    }

    int cpus() {
        return LibvirtCall.of("cannot read the host's CPUs", () -> conn.nodeInfo().cpus);
    }

    /** Memory a new domain can take now: free plus page cache and buffers, in bytes. */
    long availableMemoryBytes() {
        Map<String, Long> m = Virt.nodeMemory(conn);
        return (m.getOrDefault("free", 0L) + m.getOrDefault("cached", 0L) + m.getOrDefault("buffers", 0L)) << 10;
    }

    @Override public void close() {
        events.close();
        try {
            conn.close();
        } catch (LibvirtException e) {
            // the host went away: nothing to close
        }
    }
}
