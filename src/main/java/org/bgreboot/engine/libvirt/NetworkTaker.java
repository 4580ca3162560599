package org.bgreboot.engine.libvirt;

import java.util.Optional;

/**
 * Which domain of the VM took its network last, so that the old domain, as it is ended, can have
 * the bridge hear that domain last (see {@link DomainNetwork#ending}). One per VM, shared by its
 * domains' networks.
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

    /** The domain that took the network, if it is not {@code ending} itself. */
    Optional<DomainNetwork> other(DomainNetwork ending) {
        DomainNetwork t = taker;
        return t == null || t.domainName().equals(ending.domainName()) ? Optional.empty() : Optional.of(t);
    }
}
