package org.bgreboot.engine.libvirt;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Sleep;
import org.bgreboot.UserError;
import org.bgreboot.engine.ConnectionInterrupted;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One libvirt host, connected by URI as virsh connects ({@code qemu:///system},
 * {@code qemu+unix:///system?socket=...}, {@code qemu+tcp://...}, {@code qemu+ssh://...}; none:
 * LIBVIRT_DEFAULT_URI, else libvirt's default), with the domains it has and what bgreboot needs of
 * it: their events, files through its storage API, its CPUs and free memory.
 *
 * <p>The connection outlives a daemon restart (libvirtd restarts whenever the host's libvirt is
 * upgraded; its domains keep running): a call that finds it lost opens a new one, retried with
 * backoff for a bounded time, and registers the lifecycle listener again. Each new connection is an
 * epoch; handles of an older one ({@link DomainRef}) are looked up again. A call is run again on
 * the new connection only where that is safe: {@link #call} for what may be repeated (reads, and
 * changes that look first at what exists); {@link #once} for what may not, which then says the
 * outcome is unknown ({@link ConnectionInterrupted}).
 */
final class Host implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Host.class);
    /** How long a lost connection is tried again unless told otherwise. */
    static final Duration DEFAULT_RECONNECT = Duration.ofMinutes(1);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2_000;
    /** Calls run again after as many new connections at most (a daemon that keeps dying is not waited for forever). */
    private static final int MAX_ATTEMPTS = 5;

    private final String wanted;
    private final String uri;
    private final Duration reconnectFor;
    private final LifecycleEvents events;
    private final HostFiles files;
    private volatile Connect conn;
    private volatile long epoch;
    /** When the connection of this epoch was found lost (System.nanoTime), or -1: the bound runs from there, not from each call. */
    private long lostSince = -1;

    /** A domain of the host and the bgreboot metadata it has now (its live one if it runs). */
    record DomainEntry(String name, boolean active, boolean persistent, Optional<VmMetadata> metadata) {}

    private Host(Connect conn, String wanted, String uri, Duration reconnectFor) {
        this.conn = conn;
        this.wanted = wanted;
        this.uri = uri;
        this.reconnectFor = reconnectFor;
        this.events = new LifecycleEvents(this);
        this.files = new HostFiles(this);
    }

    /**
     * @param uri null: LIBVIRT_DEFAULT_URI, else libvirt's default
     * @param reconnectFor how long a lost connection is tried again before a call gives up
     */
    static Host connect(String uri, Duration reconnectFor) {
        String wanted = uri != null ? uri : System.getenv("LIBVIRT_DEFAULT_URI");
        LibvirtRuntime.ensureStarted();
        try {
            Connect c = open(wanted);
            return new Host(c, wanted, c.getURI(), reconnectFor);
        } catch (LibvirtException e) {
            throw new UserError("cannot reach libvirt at " + (wanted == null ? "its default URI" : wanted) + ": " + LibvirtFailure.message(e)
                    + "; check the URI (as 'virsh -c URI' takes it) and that libvirtd runs there");
        }
    }

    private static Connect open(String uri) throws LibvirtException {
        Connect c = new Connect(uri);
        c.setKeepAlive(5, 3); // a host that stops answering is noticed within ~20 s
        return c;
    }

    String uri() {
        return uri;
    }

    /** The connection of the current epoch; a call on it that fails goes through {@link #call} or {@link #once}. */
    Connect conn() {
        return conn;
    }

    long epoch() {
        return epoch;
    }

    LifecycleEvents events() {
        return events;
    }

    HostFiles files() {
        return files;
    }

    /**
     * Runs {@code c}, which may be repeated: on a lost connection it runs again on a new one (its
     * handles looked up again inside it). Throws {@link ConnectionInterrupted} (not restored) when
     * the host does not come back in time.
     */
    <T> T call(String what, LibvirtCall<T> c) {
        for (int attempt = 1; ; attempt++) {
            long seen = epoch;
            try {
                return LibvirtCall.of(what, c);
            } catch (LibvirtFailure e) {
                if (!e.connectionLost() || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                log.debug("{}: connection lost ({}), again on a new one", what, e.getMessage());
                reconnect(seen, what, e);
            }
        }
    }

    void run(String what, LibvirtCall.Action a) {
        call(what, () -> {
            a.run();
            return null;
        });
    }

    /**
     * Runs {@code c}, which must not simply be repeated: on a lost connection a new one is opened,
     * then {@link ConnectionInterrupted} says the outcome is unknown (restored: the caller may look
     * at what exists and go on).
     */
    <T> T once(String what, LibvirtCall<T> c) {
        long seen = epoch;
        try {
            return LibvirtCall.of(what, c);
        } catch (LibvirtFailure e) {
            if (!e.connectionLost()) {
                throw e;
            }
            reconnect(seen, what, e);
            throw new ConnectionInterrupted(what + ": the connection to libvirt at " + uri + " was lost during the call and is back; "
                    + "whether it took effect is unknown", true, e);
        }
    }

    /**
     * A new connection, unless one newer than {@code seenEpoch} was made meanwhile: tried again
     * with backoff until the bound; its lifecycle listener registered again.
     */
    private synchronized void reconnect(long seenEpoch, String what, LibvirtFailure cause) {
        if (epoch != seenEpoch) {
            return;
        }
        Connect old = conn;
        events.detach(old);
        closeQuietly(old);
        long t0 = System.nanoTime();
        if (lostSince < 0) {
            lostSince = t0;
        }
        // one bound for the whole outage: once it has passed, each later call tries once and fails at
        // once (an abort on a host gone for good undid its steps one after the other, a minute each)
        long deadline = lostSince + reconnectFor.toNanos();
        long backoff = FIRST_BACKOFF_MS;
        int tries = 0;
        while (true) {
            tries++;
            Connect c = null;
            try {
                c = open(wanted);
                events.attach(c);
                conn = c;
                epoch++;
                lostSince = -1;
                log.debug("reconnected to libvirt at {} after {} ms ({} tries)", uri, (System.nanoTime() - t0) / 1_000_000, tries);
                return;
            } catch (LibvirtException | LibvirtFailure e) {
                closeQuietly(c);
                if (System.nanoTime() + backoff * 1_000_000 > deadline) {
                    throw new ConnectionInterrupted(what + ": the connection to libvirt at " + uri + " was lost (" + cause.getMessage()
                            + ") and libvirtd did not answer again within " + reconnectFor.toSeconds() + " s", false, cause);
                }
                log.debug("libvirt at {} not back yet: {}", uri, e.getMessage());
                Sleep.ms(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    private static void closeQuietly(Connect c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (LibvirtException | RuntimeException e) {
            // gone with the daemon
        }
    }

    /** Whether files the host writes (a serial log) can be read here too, and its processes seen in /proc: a local URI. */
    boolean local() {
        try {
            String h = URI.create(uri).getHost();
            return h == null || h.isEmpty() || h.equals("localhost") || h.startsWith("127.");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    Optional<Domain> lookup(String name) {
        return call("cannot look up domain " + name + " on " + uri, () -> lookupNow(name));
    }

    /** The domain called {@code name} on the current connection; for use inside a call. */
    Optional<Domain> lookupNow(String name) throws LibvirtException {
        try {
            return Optional.of(conn.domainLookupByName(name));
        } catch (LibvirtException e) {
            if (LibvirtFailure.noDomain(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every domain of the host, running or defined, with its bgreboot metadata. */
    List<DomainEntry> domains() {
        return call("cannot list the domains of " + uri, () -> {
            Connect c = conn;
            List<DomainEntry> out = new ArrayList<>();
            for (int id : c.listDomains()) {
                Domain d;
                String name;
                boolean persistent;
                try {
                    d = c.domainLookupByID(id);
                    name = d.getName();
                    persistent = d.isPersistent() == 1;
                } catch (LibvirtException e) {
                    if (LibvirtFailure.noDomain(e)) {
                        continue; // it ended while we looked
                    }
                    throw e;
                }
                out.add(new DomainEntry(name, true, persistent, metadataNow(d, 0)));
            }
            for (String name : c.listDefinedDomains()) {
                Optional<Domain> d = lookupNow(name);
                if (d.isPresent()) {
                    out.add(new DomainEntry(name, false, true, metadataNow(d.get(), 0)));
                }
            }
            return out;
        });
    }

    /** A domain's bgreboot metadata inside a call: none when it has none or is gone meanwhile; a lost connection throws. */
    private static Optional<VmMetadata> metadataNow(Domain d, int flags) {
        try {
            return metadata(d, flags);
        } catch (LibvirtFailure e) {
            if (e.noDomain()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** bgreboot's metadata of a domain: {@code flags} 0 for its current definition, {@link Virt#AFFECT_CONFIG} for its next boot's. */
    static Optional<VmMetadata> metadata(Domain d, int flags) {
        return Virt.metadata(d, VmMetadata.NS, flags).flatMap(VmMetadata::parse);
    }

    int cpus() {
        return call("cannot read the host's CPUs", () -> conn.nodeInfo().cpus);
    }

    /** Memory a new domain can take now: free plus page cache and buffers, in bytes. */
    long availableMemoryBytes() {
        Map<String, Long> m = call("cannot read the host's memory", () -> Virt.nodeMemory(conn));
        return (m.getOrDefault("free", 0L) + m.getOrDefault("cached", 0L) + m.getOrDefault("buffers", 0L)) << 10;
    }

    @Override public void close() {
        events.detach(conn);
        try {
            conn.close();
        } catch (LibvirtException e) {
            // the host went away: nothing to close
        }
    }
}
