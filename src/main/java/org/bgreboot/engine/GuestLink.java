package org.bgreboot.engine;

import java.time.Duration;
import java.util.Optional;
import org.bgreboot.Sleep;
import org.bgreboot.agent.GuestAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waiting for a guest to take its link. A clone's link comes up, and its guest
 * needs a moment to take the carrier: until its kernel has started the interface's transmit queue,
 * what the guest sends is dropped, an ARP reply among them, and the client (QEMU's user
 * networking, or a peer on the bridge) tries again only a second later. Measured under TCG: Debian
 * 12 and 13 clones answered neither of the first two ARP requests after the link came up, and a
 * probe waited 1-3 s. Where nothing reaches the clone yet (before the switch, see below), the
 * wait is free: the guest is asked through its agent until it has the link up. Best
 * effort: a guest that cannot say (no agent, no such interface) is not waited for. Where nothing
 * reaches the clone yet: the embedded engine's tap off the bridge, libvirt's holding network (see
 * the README's "the clone's carrier"). (Under user networking the clone's link comes up at the
 * switch, before FG hands over, and the guest's first frame is watched for from QEMU's side
 * instead: see {@code UserNetwork.linkUp}.)
 */
public final class GuestLink {
    private static final Logger log = LoggerFactory.getLogger(GuestLink.class);
    /** Far above the tens of milliseconds it takes under TCG; a guest still without it then is not waited for longer. */
    public static final Duration LIMIT = Duration.ofSeconds(2);
    private static final Duration CALL = Duration.ofSeconds(2);

    private GuestLink() {}

    /** Waits until the guest has its interface with {@code mac} up (looked up once); returns the milliseconds waited. */
    public static long awaitUp(GuestAgent agent, String mac) {
        long start = System.nanoTime();
        try {
            Optional<String> iface = agent.interfaceWithMac(mac, CALL);
            if (iface.isEmpty()) {
                log.debug("the guest has no interface with MAC {}: not waiting for its link", mac);
                return 0;
            }
            while (!agent.linkUp(iface.get(), CALL)) {
                if (System.nanoTime() - start > LIMIT.toNanos()) {
                    log.warn("the guest's {} was still not up {} ms after its link came up; the network is handed over anyway",
                            iface.get(), LIMIT.toMillis());
                    break;
                }
                Sleep.ms(1);
            }
        } catch (RuntimeException e) {
            log.debug("cannot ask the guest for its link ({}): not waiting for it", e.getMessage());
        }
        return (System.nanoTime() - start) / 1_000_000;
    }
}
