package org.bgreboot.engine.libvirt;

import java.util.List;
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
    /** 2, 3, 4... ms apart, then every 10 ms: about a second with as many announcements, through the old domain's release. */
    private static final String ANNOUNCE_HOLD = "{\"execute\":\"announce-self\",\"arguments\":{\"initial\":2,\"max\":10,\"rounds\":100,\"step\":1}}";

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
     * On a bridge, until its interfaces have been quiet (see {@link Drain}); then the domain that
     * took the network announces it again, for about a second. The clone announced its MAC every
     * 2 ms for 200 ms as it took the network, so what this domain sends meanwhile does not draw the
     * bridge's forwarding entry back to its tap for long; but a frame it sent later (a late answer,
     * a TCP retransmission 200 ms on) did, and clients' requests went to it through its release
     * until its kill cut them off: they waited out a second. Its links stay up until it is killed:
     * set down after the drain (tried), an answer it still owed was lost whenever its guest paused
     * longer than the drain's quiet, as under TCG on a busy host (3 of 18 fleet-demo switches). The
     * interfaces are looked up once: the polls, every 2 ms inside the switch, only read their counters.
     */
    @Override public long drain() {
        if (!bridged) {
            return 0;
        }
        List<String> taps;
        try {
            taps = domain.liveXml().devices("interface").stream().map(nic -> DomainXml.child(nic, "target").map(t -> t.getAttribute("dev")).orElse(""))
                    .filter(dev -> !dev.isEmpty()).toList();
        } catch (RuntimeException e) {
            log.debug("{}: no interfaces to drain ({})", domain.name(), e.toString());
            return 0; // gone, or unreadable: nothing to wait for
        }
        long ms = Drain.untilQuiet(() -> transmitted(taps));
        log.debug("{} drained in {} ms", domain.name(), ms);
        announceByTaker(ANNOUNCE_HOLD);
        return ms;
    }

    /**
     * This domain is being ended: the domain that took the network from it announces the MAC again,
     * every 2 ms for 200 ms. A frame this domain sent after the clone's last announcement (late
     * answers, a TCP retransmission) had drawn the bridge's forwarding entry back to its tap, and
     * its tap stays a port of the bridge until libvirt has cleaned the domain up, ~200 ms after its
     * QEMU is gone: clients' packets went there and waited out TCP's 1-s retry. Now the clone is the
     * last the bridge hears from. Nothing fails for it: the kill goes on.
     */
    void ending() {
        announceByTaker(ANNOUNCE);
    }

    /** The domain that took the network from this one announces it ({@code command}); nothing fails for it. */
    private void announceByTaker(String command) {
        if (!bridged) {
            return;
        }
        taker.other(this).ifPresent(clone -> {
            try {
                clone.announce(command);
            } catch (RuntimeException e) {
                log.debug("{}: not announced again for {} ({})", clone.domainName(), domain.name(), e.toString());
            }
        });
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
        for (Element nic : live.devices("interface")) {
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
