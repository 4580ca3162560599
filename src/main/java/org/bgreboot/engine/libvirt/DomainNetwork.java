package org.bgreboot.engine.libvirt;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.bgreboot.engine.Drain;
import org.bgreboot.engine.InstanceNetwork;
import org.w3c.dom.Element;

/**
 * A domain's side of the VM's network identity, through libvirt: its interfaces' links (a clone
 * boots with them down), QEMU's announce-self as it takes the network on a bridge, and the drain
 * of what the old domain still sends. Every call is safe to repeat.
 */
final class DomainNetwork implements InstanceNetwork {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DomainNetwork.class);
    /** Every 2 ms for 200 ms: whatever the old domain still sends in its last milliseconds, the bridge learns the clone's port again at once. */
    private static final String ANNOUNCE = "{\"execute\":\"announce-self\",\"arguments\":{\"initial\":1,\"max\":2,\"rounds\":100,\"step\":1}}";
    /** Once the old domain is silent: a few more, 2 ms apart (they replace what is left of the ones before). */
    private static final String ANNOUNCE_AGAIN = "{\"execute\":\"announce-self\",\"arguments\":{\"initial\":1,\"max\":2,\"rounds\":5,\"step\":1}}";

    private final DomainInstance domain;
    private final boolean bridged;
    private final boolean announces;
    private final NetworkTaker taker;

    DomainNetwork(DomainInstance domain, boolean bridged, boolean announces, NetworkTaker taker) {
        this.domain = domain;
        this.bridged = bridged;
        this.announces = announces;
        this.taker = taker;
    }

    String domainName() {
        return domain.name();
    }

    @Override public void isolate() {
        link("down");
    }

    /**
     * Link up, then (unless the spec says {@code announce = "none"}) QEMU's announce-self: gratuitous
     * ARP/RARP for the MAC, so the bridge forwards the VM's frames to the clone's tap at once. The
     * old domain's tap stays a port of the bridge, its forwarding entry with it, until libvirt has
     * cleaned the old domain up (~200 ms after its QEMU is gone), and the clone says nothing until
     * spoken to: without the announcement clients' packets went to a dead tap for that long.
     * libvirt has no call for it: it is a monitor command, and libvirt marks the domain tainted
     * ("custom-monitor") in its log. It changes no device: libvirt's view of the domain stays true.
     */
    @Override public void take() {
        link("up");
        announce(ANNOUNCE);
        taker.took(this);
    }

    /** The old domain keeps its tap until it ends; the clone's announce moves the bridge's entry. */
    @Override public void handOver() { }

    /**
     * On a bridge, until its interfaces have been quiet (see {@link Drain}), then their links down.
     * The clone announced its MAC every 2 ms for 200 ms as it took the network, so what this domain
     * still sends meanwhile does not draw the bridge's forwarding entry back to its tap for long; but
     * a frame it sent after the last announcement (its guest answering late on a busy host, an ARP,
     * a retransmission) did, until its QEMU was gone and libvirt had removed its tap: clients' packets
     * went to a dead tap and waited out TCP's 1-s retry (the fleet demo's 1-s gaps). With its links
     * down it sends nothing more; the domain that took the network announces it again every 2 ms
     * while they go down, and a few times once they are, so the bridge hears it last (announced
     * only after they were down, a SYN that reached the old tap in between was lost: measured with
     * an old domain that pinged every 5 ms to its end). The interfaces are looked up once: the polls, every 2 ms
     * inside the switch, only read their counters. Undone, as the hand-over is, by {@link #take}.
     */
    @Override public long drain() {
        if (!bridged) {
            return 0;
        }
        DomainXml live;
        List<Element> nics;
        try {
            live = domain.liveXml();
            nics = live.devices("interface");
        } catch (RuntimeException e) {
            log.debug("{}: no interfaces to drain ({})", domain.name(), e.toString());
            return 0; // gone, or unreadable: nothing to wait for
        }
        List<String> taps = nics.stream().map(nic -> DomainXml.child(nic, "target").map(t -> t.getAttribute("dev")).orElse(""))
                .filter(dev -> !dev.isEmpty()).toList();
        long start = System.nanoTime();
        long quiet = Drain.untilQuiet(() -> transmitted(taps));
        Optional<DomainNetwork> clone = taker.other(this);
        try {
            clone.ifPresent(c -> c.announce(ANNOUNCE)); // heard every 2 ms while these links go down, whatever this domain sends till then
            setLinks(live, nics, "down");
            clone.ifPresent(c -> c.announce(ANNOUNCE_AGAIN)); // and last, however long the link took
        } catch (RuntimeException e) {
            // gone meanwhile (its tap with it), or libvirt refused: the kill that follows silences it as well, a moment later
            log.debug("{}: links not set down after the drain, or the clone not announced again ({})", domain.name(), e.toString());
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        log.debug("{} drained in {} ms, links down after {} ms more", domain.name(), quiet, ms - quiet);
        return ms;
    }

    /** Packets the interfaces {@code taps} have sent so far (libvirt's interface stats); empty where unknown. */
    private OptionalLong transmitted(List<String> taps) {
        try {
            return OptionalLong.of(domain.call("cannot read " + domain.describe() + "'s interface stats", d -> {
                long sum = 0;
                for (String dev : taps) {
                    sum += d.interfaceStats(dev).tx_packets;
                }
                return sum;
            }));
        } catch (RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private void announce(String command) {
        if (announces) {
            domain.call("cannot announce " + domain.describe() + "'s MAC (QEMU announce-self)", d -> d.qemuMonitorCommand(command, 0));
        }
    }

    @Override public void release() {
        link("down");
        taker.released(this);
    }

    private void link(String state) {
        DomainXml live = domain.liveXml();
        setLinks(live, live.devices("interface"), state);
    }

    /** Sets the links of interfaces {@code nics} of {@code live} to {@code state} where they are not already. */
    private void setLinks(DomainXml live, List<Element> nics, String state) {
        for (Element nic : nics) {
            Element link = DomainXml.child(nic, "link").orElseGet(() -> (Element) nic.appendChild(live.element("link")));
            if (state.equals(link.getAttribute("state")) || (state.equals("up") && link.getAttribute("state").isEmpty())) {
                continue;
            }
            link.setAttribute("state", state);
            String xml = DomainXml.print(nic);
            domain.call("cannot set the link of " + domain.describe() + " " + state, d -> d.updateDeviceFlags(xml, DomainInstance.DEVICE_LIVE));
        }
    }
}
