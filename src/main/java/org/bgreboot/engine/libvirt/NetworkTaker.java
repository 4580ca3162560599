package org.bgreboot.engine.libvirt;

import java.util.Optional;

/**
 * Which domain of the VM took its network last, so that the old domain, once its links are down,
 * can have the bridge hear that domain last: a frame the old domain sent after the clone's
 * announcements ended had drawn the bridge's forwarding entry back to the old tap, where clients'
 * packets are lost once the old domain is silent. One per VM, shared by its domains' networks.
 */
final class NetworkTaker {
    private volatile DomainNetwork taker;

    void took(DomainNetwork n) {
        taker = n;
    }

    void released(DomainNetwork n) {
        if (taker != null && taker.domainName().equals(n.domainName())) {
            taker = null;
        }
    }

    /** The domain that took the network, if it is not {@code silenced} itself. */
    Optional<DomainNetwork> other(DomainNetwork silenced) {
        DomainNetwork t = taker;
        return t == null || t.domainName().equals(silenced.domainName()) ? Optional.empty() : Optional.of(t);
    }
}
