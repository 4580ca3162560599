package org.bgreboot.engine.libvirt;

import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A domain of the host by name, its handle looked up again on each new connection (a handle of a
 * lost connection answers nothing). Use {@link #get} inside a {@link Host#call}, so that a call
 * repeated on a new connection gets the new handle.
 */
final class DomainRef {
    private final Host host;
    private final String name;
    private Domain handle;
    private long epoch;

    DomainRef(Host host, String name, Domain handle) {
        this.host = host;
        this.name = name;
        this.handle = handle;
        this.epoch = host.epoch();
    }

    String name() {
        return name;
    }

    /** The handle on the current connection; a domain that is gone throws libvirt's VIR_ERR_NO_DOMAIN. */
    synchronized Domain get() throws LibvirtException {
        if (handle == null || epoch != host.epoch()) {
            long now = host.epoch();
            handle = host.conn().domainLookupByName(name);
            epoch = now;
        }
        return handle;
    }

    /** The handle, if the domain is there (on the current connection). */
    Optional<Domain> find() {
        return host.call("cannot look up domain " + name, () -> {
            try {
                return Optional.of(get());
            } catch (LibvirtException e) {
                if (LibvirtFailure.noDomain(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }
}
