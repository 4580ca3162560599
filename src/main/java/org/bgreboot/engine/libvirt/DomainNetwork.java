package org.bgreboot.engine.libvirt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.bgreboot.engine.Drain;
import org.bgreboot.engine.GuestLink;
import org.bgreboot.engine.InstanceNetwork;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;

/**
 * A domain's side of the VM's network identity, through libvirt: where its interfaces are (a
 * clone's are on the holding network until the switch, see {@link HoldingNetwork}), their links (a
 * clone boots with them down), QEMU's announce-self as it takes the network on a bridge, and the
 * drain of what the old domain still sends. Every call is safe to repeat: each looks first at the
 * domain's live XML and changes only what differs.
 */
final class DomainNetwork implements InstanceNetwork {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DomainNetwork.class);
    /**
     * Every millisecond for about a second (QEMU's timer slips under load): the old domain's frames
     * draw the bridge's forwarding entry back to its tap, and a client that answers it at once (its
     * next request right after the last answer, as a serial prober or a keep-alive client does)
     * finds the entry still there and is answered by the old domain again, and again: a chain that
     * only an announcement landing between the old domain's last frame and the client's next one
     * breaks. With one every 2 ms such chains ran for 107-338 ms in 6 of 48 fleet-demo switches,
     * once into the old domain's kill: the request in flight then was lost and its client waited out
     * TCP's 1-s retry (CI's fleet demo, 1,006 ms). Re-armed at the drain and at the kill, so the
     * clone announces densely from the take until a second after the old domain's end.
     */
    private static final String ANNOUNCE = "{\"execute\":\"announce-self\",\"arguments\":{\"initial\":1,\"max\":1,\"rounds\":1000,\"step\":1}}";

    private final DomainInstance domain;
    private final boolean bridged;
    private final boolean announces;
    private final NetworkTaker taker;
    private final Supplier<DomainXml> definition;
    /** Where the VM has each interface, by MAC: read from its definition before the switch ({@link #prepare}), or at the first take. */
    private volatile Map<String, Place> vmPlaces;

    /** Where an interface is: its type and its {@code <source>}'s attributes (bridge, network, portgroup). */
    private record Place(String type, Map<String, String> source) {
        static Place of(Element nic) {
            Map<String, String> src = new LinkedHashMap<>();
            DomainXml.child(nic, "source").ifPresent(s -> {
                NamedNodeMap a = s.getAttributes();
                for (int i = 0; i < a.getLength(); i++) {
                    src.put(a.item(i).getNodeName(), a.item(i).getNodeValue());
                }
            });
            return new Place(nic.getAttribute("type"), src);
        }

        /** Whether {@code nic} is here already (a live interface's source says more: its port, its network's bridge). */
        boolean has(Element nic) {
            String key = type.equals("network") ? "network" : "bridge";
            return type.equals(nic.getAttribute("type"))
                    && DomainXml.child(nic, "source").map(s -> s.getAttribute(key)).orElse("").equals(source.getOrDefault(key, ""));
        }
    }

    DomainNetwork(DomainInstance domain, boolean bridged, boolean announces, NetworkTaker taker, Supplier<DomainXml> definition) {
        this.domain = domain;
        this.bridged = bridged;
        this.announces = announces;
        this.taker = taker;
        this.definition = definition;
    }

    String domainName() {
        return domain.name();
    }

    /**
     * Each interface on the holding network onto the VM's own bridge or network, as the VM's
     * definition has it (libvirt moves the tap from one bridge to the other: one live device update,
     * its link up since {@link #prepare}); any other interface's link up (FG taking the network
     * back: there already). Then (unless the spec says {@code announce = "none"}) QEMU's announce-self: gratuitous
     * ARP/RARP for the MAC, so the bridge forwards the VM's frames to the clone's tap at once. The
     * old domain's tap stays a port of the bridge, its forwarding entry with it, until libvirt has
     * cleaned the old domain up (~200 ms after its QEMU is gone), and the clone says nothing until
     * spoken to: without the announcement clients' packets went to a dead tap for that long.
     * libvirt has no call for it: it is a monitor command, and libvirt marks the domain tainted
     * ("custom-monitor") in its log. It changes no device: libvirt's view of the domain stays true.
     */
    @Override public void take() {
        DomainXml live = domain.liveXml();
        for (Element nic : live.devices("interface")) {
            Optional<Place> to = Optional.empty();
            if (HoldingNetwork.holds(nic)) {
                String mac = mac(nic);
                to = Optional.of(Optional.ofNullable(vmPlaces().get(mac)).orElseThrow(() -> new LibvirtFailure(domain.describe()
                        + "'s interface " + mac + " is on the holding network, and the VM's definition has no interface with that MAC")));
            }
            update(live, nic, to, "up");
        }
        announce(ANNOUNCE);
        taker.took(this);
    }

    /**
     * Before the switch, off the downtime path: the links of the interfaces on the holding network
     * come up, and the guest is waited for until it has them up ({@link GuestLink}). A guest whose
     * link has just come up drops what it sends until its kernel has taken the carrier, 10-65 ms
     * under TCG: with the link coming up at the switch, on the VM's bridge, a client's SYN reached
     * the clone, its SYN-ACK was dropped, and the client waited out TCP's 1-s retry. On the holding
     * network nothing reaches the clone yet, so the wait costs nothing. An interface that is not on
     * the holding network (one libvirt cannot move, see {@link HoldingNetwork}) keeps its link down
     * until the switch: up now it would answer on the VM's bridge with the VM's MAC.
     */
    void prepare() {
        vmPlaces();
        DomainXml live = domain.liveXml();
        List<String> macs = new ArrayList<>();
        for (Element nic : live.devices("interface")) {
            if (HoldingNetwork.holds(nic)) {
                update(live, nic, Optional.empty(), "up");
                macs.add(mac(nic));
            }
        }
        for (String mac : macs) {
            log.debug("{}: the guest has {} up {} ms after asked", domain.name(), mac, GuestLink.awaitUp(domain.agent(), mac));
        }
    }

    /**
     * Nothing to do: an interface on the holding network came up in {@link #prepare}; any other
     * comes up with the take (up now, it would answer on the VM's bridge beside the old domain).
     * Says which, so that a result shows a clone whose link came up at the switch.
     */
    @Override public String linkUp() {
        List<Element> nics = domain.liveXml().devices("interface");
        long held = nics.stream().filter(HoldingNetwork::holds).count();
        if (held == nics.size()) {
            return "up before the switch, on the holding network";
        }
        return (held == 0 ? "" : held + " of " + nics.size() + " up before the switch; ")
                + "up at the switch: not on the holding network (the host has none, or libvirt cannot move the interface live)";
    }

    /** The old domain keeps its tap until it ends; the clone's announce moves the bridge's entry. */
    @Override public void handOver() { }

    /**
     * On a bridge, until its interfaces have been quiet (see {@link Drain}); then the domain that
     * took the network announces it again, every millisecond for a second (see {@link #ANNOUNCE}):
     * a frame this domain sends later (a late answer, a TCP retransmission 200 ms on) draws the
     * bridge's forwarding entry back to its tap, and clients' requests went to it through its release
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
        announceByTaker(ANNOUNCE);
        return ms;
    }

    /**
     * This domain is being ended: the domain that took the network from it announces the MAC again,
     * every millisecond for a second. A frame this domain sent after the clone's last announcement (late
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

    /** Link down, and each interface libvirt can move back on the holding network, where it was before the take. */
    @Override public void release() {
        DomainXml live = domain.liveXml();
        List<Element> nics = live.devices("interface");
        boolean hold = bridged && nics.stream().anyMatch(nic -> !HoldingNetwork.holds(nic)) && HoldingNetwork.ensure(domain.host()).isPresent();
        java.util.function.Predicate<Element> movable = HoldingNetwork.movable(domain.host());
        for (Element nic : nics) {
            boolean back = hold && !HoldingNetwork.holds(nic) && movable.test(nic);
            update(live, nic, back ? Optional.of(new Place("network", Map.of("network", HoldingNetwork.NAME))) : Optional.empty(), "down");
        }
        taker.released(this);
    }

    @Override public void isolate() {
        DomainXml live = domain.liveXml();
        for (Element nic : live.devices("interface")) {
            update(live, nic, Optional.empty(), "down");
        }
    }

    /**
     * One live update of {@code nic} at most: onto {@code to} (its type and source; libvirt moves
     * the tap from one bridge to the other, its qemuDomainChangeNet), and its link {@code state};
     * none where it is so already.
     */
    private void update(DomainXml live, Element nic, Optional<Place> to, String state) {
        boolean changed = false;
        if (to.isPresent() && !to.get().has(nic)) {
            live.placeInterface(nic, to.get().type(), to.get().source());
            changed = true;
        }
        Element link = DomainXml.child(nic, "link").orElseGet(() -> (Element) nic.appendChild(live.element("link")));
        if (!state.equals(link.getAttribute("state")) && !(state.equals("up") && link.getAttribute("state").isEmpty())) {
            link.setAttribute("state", state);
            changed = true;
        }
        if (changed) {
            String xml = DomainXml.print(nic);
            String where = to.map(p -> " onto " + String.join(" ", p.source().values())).orElse("");
            domain.call("cannot set " + domain.describe() + "'s interface " + mac(nic) + where + ", link " + state,
                    d -> d.updateDeviceFlags(xml, DomainInstance.DEVICE_LIVE));
        }
    }

    private Map<String, Place> vmPlaces() {
        Map<String, Place> p = vmPlaces;
        if (p == null) {
            p = new LinkedHashMap<>();
            for (Element nic : definition.get().devices("interface")) {
                p.put(mac(nic), Place.of(nic));
            }
            vmPlaces = p;
        }
        return p;
    }

    private static String mac(Element nic) {
        return DomainXml.child(nic, "mac").map(m -> m.getAttribute("address")).orElse("").toLowerCase(Locale.ROOT);
    }
}
