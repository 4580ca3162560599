package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;

/**
 * A bridged VM's identity: its MAC on a tap that is a port of the bridge. A clone has the same MAC
 * on a tap of its own that is no port of the bridge: with its link down until just before the
 * switch, then up but still cut off, so the guest's queue is running before the first client's
 * packet arrives (a guest whose carrier just came up drops what it sends for a moment, and a dropped
 * ARP costs a client a 1-s retry). At the switch its tap joins the bridge, and QEMU's
 * {@code announce-self} tells the bridge and the neighbours where the MAC is now.
 */
final class BridgeNetwork implements GuestNetwork {
    /** QEMU 7.2 needs all four: the first round at once, then 50, 150, 250, 350 ms later. */
    private static final Map<String, Object> ANNOUNCE = Map.of("initial", 50, "max", 550, "rounds", 5, "step", 100);

    private final VmSpec.Network network;
    private final String tap;

    BridgeNetwork(VmSpec.Network network, String tap) {
        this.network = network;
        this.tap = tap;
    }

    @Override public void isolate(QmpClient clone) {
        UserNetwork.setLink(clone, false);
    }

    /** Before the switch, off the downtime path: link up, and the guest's kernel has it up. */
    @Override public void prepare(QmpClient clone, Runnable awaitLinkUp) {
        UserNetwork.setLink(clone, true);
        awaitLinkUp.run();
    }

    /** Nothing: it came up in {@link #prepare}, the tap off the bridge. */
    @Override public String linkUp(QmpClient clone, java.nio.file.Path scratch) {
        return "up before the switch, off the bridge";
    }

    /** No wait here, on the downtime path: a clone's link came up in {@link #prepare}, and FG's (taken back) never went down. */
    @Override public void take(QmpClient vm) {
        UserNetwork.setLink(vm, true);
        Taps.join(network, tap);
        vm.execute("announce-self", ANNOUNCE);
    }

    @Override public void release(QmpClient vm) {
        Taps.create(network, tap, false); // off the bridge again
    }

    /**
     * FG's tap stays a port, so its answers still reach their clients, but the bridge no longer
     * learns from it: the MAC's forwarding entry stays with the clone once it has announced it,
     * however much FG still sends. (Taking FG back, {@link #take}, joins a fresh port, learning.)
     */
    @Override public void handOver(QmpClient vm) {
        Taps.learning(network, tap, false);
    }

    /** Bytes the guest has sent: its tap's receive counter, in QEMU's network namespace (QEMU runs in the bridge's). */
    @Override public OptionalLong transmitted(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", "dev"))) {
                String[] f = line.trim().split("[:\\s]+");
                if (f.length > 1 && f[0].equals(tap)) {
                    return OptionalLong.of(Long.parseLong(f[1]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or unreadable: nothing to wait for
        }
        return OptionalLong.empty();
    }
}
