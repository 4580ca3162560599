package org.bgreboot.engine.libvirt;

import java.time.Instant;
import java.util.Optional;
import org.libvirt.LibvirtException;
import org.libvirt.Secret;
import org.w3c.dom.Element;

/**
 * A lease on a whole libvirt host, kept by the host itself so that every bgreboot that reaches it
 * (on this machine or another) sees the same one: a libvirt secret object of usage
 * {@code tls} named {@value #NAME}, its holder and expiry in its description. libvirt refuses a
 * second secret of the same usage under another UUID, so taking the lease is one atomic define;
 * renewing is a define under the holder's own UUID (refused once someone else took it), and
 * releasing an undefine. A holder that dies without releasing leaves a lease that expires: the next
 * taker undefines it by its UUID and defines its own, and of two takers racing for an expired
 * lease only one define succeeds. {@code virsh secret-list} shows it. No secret value is ever set.
 */
public final class HostLease {
    static final String NAME = "bgreboot-host-lease";
    private static final String PREFIX = "bgreboot lease|";

    /** Who holds the lease, until when (unless renewed), and the lease's own id (the secret's UUID). */
    public record Holder(String id, String who, Instant until) {
        public boolean expired(Instant now) {
            return !now.isBefore(until);
        }
    }

    private final Host host;

    HostLease(Host host) {
        this.host = host;
    }

    /** The lease as the host has it now, expired or not. */
    public Optional<Holder> holder() {
        return find().map(f -> f.holder);
    }

    /**
     * Takes the lease for {@code who} under {@code id} (a UUID) until {@code until}, if it is free or
     * expired at {@code now}; else leaves it. Returns the holder afterwards: {@code id} when taken.
     */
    public Holder take(String id, String who, Instant until, Instant now) {
        Optional<Found> current = find();
        if (current.isPresent() && !current.get().holder.id().equals(id)) {
            if (!current.get().holder.expired(now)) {
                return current.get().holder;
            }
            try {
                current.get().secret.undefine(); // by its UUID: a lease renewed or taken meanwhile is another define
            } catch (LibvirtException e) {
                // someone else broke it first: the define below tells who won
            }
        }
        try {
            host.conn().secretDefineXML(xml(id, who, until));
            return new Holder(id, who, until);
        } catch (LibvirtException e) {
            Optional<Holder> other = holder().filter(h -> !h.id().equals(id));
            if (other.isPresent()) {
                return other.get(); // another taker's define came first
            }
            throw new LibvirtFailure("cannot take the lease of " + host.uri(), e);
        }
    }

    /** Extends the lease held under {@code id}; false when it is no longer ours (it expired and was taken). */
    public boolean renew(String id, String who, Instant until) {
        Optional<Holder> now = holder();
        if (now.isEmpty() || !now.get().id().equals(id)) {
            return false;
        }
        try {
            host.conn().secretDefineXML(xml(id, who, until));
            return true;
        } catch (LibvirtException e) {
            return false;
        }
    }

    /** Gives the lease up if it is held under {@code id}. */
    public void release(String id) {
        find().filter(f -> f.holder.id().equals(id)).ifPresent(f -> {
            try {
                f.secret.undefine();
            } catch (LibvirtException e) {
                // gone already
            }
        });
    }

    private record Found(Secret secret, Holder holder) {}

    private Optional<Found> find() {
        String[] uuids = LibvirtCall.of("cannot list the secrets of " + host.uri(), () -> host.conn().listSecrets());
        for (String uuid : uuids) {
            try {
                Secret s = host.conn().secretLookupByUUIDString(uuid);
                Optional<Holder> h = parse(uuid, s.getXMLDesc());
                if (h.isPresent()) {
                    return Optional.of(new Found(s, h.get()));
                }
            } catch (LibvirtException e) {
                // undefined while we looked
            }
        }
        return Optional.empty();
    }

    static String xml(String id, String who, Instant until) {
        return "<secret ephemeral='no' private='yes'><uuid>" + id + "</uuid><description>" + escape(PREFIX + until.getEpochSecond() + "|" + who)
                + "</description><usage type='tls'><name>" + NAME + "</name></usage></secret>";
    }

    /** The lease in a secret's XML; empty for any other secret. */
    static Optional<Holder> parse(String uuid, String xml) {
        try {
            Element root = DomainXml.parse(xml).root();
            Optional<Element> usage = DomainXml.child(root, "usage");
            if (usage.isEmpty() || !"tls".equals(usage.get().getAttribute("type"))
                    || !DomainXml.text(usage.get(), "name").orElse("").equals(NAME)) {
                return Optional.empty();
            }
            String d = DomainXml.text(root, "description").orElse("");
            if (!d.startsWith(PREFIX)) {
                return Optional.empty();
            }
            String[] f = d.substring(PREFIX.length()).split("\\|", 2);
            return Optional.of(new Holder(uuid, f.length > 1 ? f[1] : "", Instant.ofEpochSecond(Long.parseLong(f[0]))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
