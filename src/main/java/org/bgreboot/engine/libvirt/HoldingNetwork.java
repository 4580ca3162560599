package org.bgreboot.engine.libvirt;

import java.util.Optional;
import java.util.function.Function;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.w3c.dom.Element;

/**
 * Where a clone's interfaces are while it boots: an isolated libvirt network of the host (no
 * forward, no address, so no dnsmasq; a bridge that only clones' taps are ports of). A clone there
 * can have its link up before the switch, cut off from the VM's bridge though it has the VM's MAC,
 * so its guest has taken the carrier before the first client's packet comes; at the switch
 * libvirt moves the tap to the VM's bridge (see {@link DomainNetwork#take}). Made on first use,
 * transient (gone with the host's next boot, as the clones are), shared by every VM of the host.
 *
 * <p>Only an interface libvirt can move live is held: a tap on a bridge (type {@code bridge}, or a
 * {@code network} whose ports are taps on its bridge), without a virtual port profile or VLAN
 * (libvirt would need to reconnect it), and on a bridge whose spanning tree is known to be off (a
 * new port of a bridge with STP waits out twice its forward delay, at least 2 s in Linux, before it
 * forwards). Any other interface (user networking, macvtap, hostdev, OVS) is not moved: its link
 * comes up at the switch, as it did before.
 */
final class HoldingNetwork {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HoldingNetwork.class);
    static final String NAME = "bgreboot-hold";
    private static final String XML = "<network><name>" + NAME + "</name><bridge stp='off' delay='0'/></network>";
    private static final int NO_NETWORK = 43;

    private HoldingNetwork() {}

    /**
     * The holding network on {@code host}, started if it is not; empty where libvirt cannot give
     * one (no network driver, a network of that name that is not isolated): the clone's links then
     * come up at the switch. Two bgreboots making it at once: the one that loses finds it there.
     */
    static Optional<String> ensure(Host host) {
        try {
            return Optional.of(host.call("cannot start libvirt network " + NAME + " on " + host.uri(), () -> ensureNow(host.conn())));
        } catch (LibvirtFailure e) {
            log.warn("no holding network for the clone ({}): its links come up at the switch", e.getMessage());
            return Optional.empty();
        }
    }

    private static String ensureNow(Connect c) throws LibvirtException {
        Optional<Network> there = lookup(c);
        if (there.isPresent() && there.get().getXMLDesc(0).contains("<forward")) {
            throw new LibvirtFailure("the host's network " + NAME + " is not bgreboot's: it forwards");
        }
        try {
            if (there.isEmpty()) {
                c.networkCreateXML(XML);
            } else if (there.get().isActive() != 1) {
                there.get().create();
            }
        } catch (LibvirtException e) {
            Optional<Network> now = lookup(c); // another bgreboot made or started it meanwhile
            if (now.isEmpty() || now.get().isActive() != 1) {
                throw e;
            }
        }
        return NAME;
    }

    private static Optional<Network> lookup(Connect c) throws LibvirtException {
        try {
            return Optional.of(c.networkLookupByName(NAME));
        } catch (LibvirtException e) {
            if (LibvirtError.of(e).map(err -> err.code() == NO_NETWORK).orElse(false)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Whether {@code nic} is on the holding network. */
    static boolean holds(Element nic) {
        return "network".equals(nic.getAttribute("type")) && DomainXml.child(nic, "source").map(s -> NAME.equals(s.getAttribute("network"))).orElse(false);
    }

    /**
     * Whether libvirt can move {@code nic} live between the holding network and where the VM has
     * it (see the class comment). {@code bridgeXml} gives the XML of a host bridge (libvirt's
     * interface API), {@code networkXml} that of a libvirt network; each empty where unknown.
     */
    static boolean movable(Element nic, Function<String, Optional<String>> bridgeXml, Function<String, Optional<String>> networkXml) {
        if (DomainXml.child(nic, "virtualport").isPresent() || DomainXml.child(nic, "vlan").isPresent()) {
            return false;
        }
        Optional<Element> source = DomainXml.child(nic, "source");
        return switch (nic.getAttribute("type")) {
            // a bridge libvirt cannot describe (no interface driver) is taken to be as Linux makes one: without STP
            case "bridge" -> source.map(s -> s.getAttribute("bridge")).filter(b -> !b.isEmpty())
                    .map(b -> bridgeXml.apply(b).map(x -> stpOff(DomainXml.parse(x).root(), false)).orElse(true))
                    .orElse(false);
            case "network" -> source.map(s -> s.getAttribute("network")).filter(n -> !n.isEmpty() && !n.equals(NAME))
                    .flatMap(networkXml).map(x -> tapsOnABridge(DomainXml.parse(x).root())).orElse(false);
            default -> false;
        };
    }

    /** A libvirt network whose ports are taps on its bridge, with the spanning tree off. */
    private static boolean tapsOnABridge(Element network) {
        if (network.getElementsByTagName("virtualport").getLength() > 0 || network.getElementsByTagName("vlan").getLength() > 0) {
            return false;
        }
        Optional<Element> forward = DomainXml.child(network, "forward");
        String mode = forward.map(f -> f.getAttribute("mode")).orElse("");
        boolean bridgeOfItsOwn = forward.isEmpty() || mode.equals("nat") || mode.equals("route") || mode.equals("open");
        boolean hostBridge = mode.equals("bridge") && forward.map(f -> DomainXml.child(f, "interface").isEmpty()).orElse(false);
        Optional<Element> bridge = DomainXml.child(network, "bridge");
        return (bridgeOfItsOwn || hostBridge) && bridge.map(b -> !b.getAttribute("name").isEmpty()).orElse(false)
                && stpOff(network, bridgeOfItsOwn); // libvirt's own bridges have STP unless told not to
    }

    /** Whether the {@code <bridge stp=...>} under {@code root} says STP is off; {@code onIfUnsaid}: what no attribute means. */
    private static boolean stpOff(Element root, boolean onIfUnsaid) {
        return DomainXml.child(root, "bridge").map(b -> b.getAttribute("stp")).map(stp -> stp.isEmpty() ? !onIfUnsaid : stp.equals("off"))
                .orElse(!onIfUnsaid);
    }

    /** {@link #movable} for the interfaces of a domain of {@code host}, asking it about its bridges and networks. */
    static java.util.function.Predicate<Element> movable(Host host) {
        return nic -> movable(nic, b -> bridgeXml(host, b), n -> networkXml(host, n));
    }

    /** The XML of {@code network} on the host, empty where it has none. */
    static Optional<String> networkXml(Host host, String network) {
        return xml(host, "cannot read libvirt network " + network, () -> host.conn().networkLookupByName(network).getXMLDesc(0));
    }

    /** The XML of host bridge {@code bridge} as libvirt's interface API sees it, empty where it cannot say. */
    static Optional<String> bridgeXml(Host host, String bridge) {
        return xml(host, "cannot read host interface " + bridge, () -> host.conn().interfaceLookupByName(bridge).getXMLDescription(0));
    }

    private static Optional<String> xml(Host host, String what, LibvirtCall<String> read) {
        try {
            return Optional.of(host.call(what, read));
        } catch (LibvirtFailure e) {
            log.debug("{}", e.getMessage());
            return Optional.empty();
        }
    }
}
