package org.bgreboot.engine.embedded;

import java.util.Map;
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

    @Override public void prepare(QmpClient clone) {
        UserNetwork.setLink(clone, true);
    }

    @Override public void take(QmpClient vm) {
        UserNetwork.setLink(vm, true);
        Taps.join(network, tap);
        vm.execute("announce-self", ANNOUNCE);
    }

    @Override public void release(QmpClient vm) {
        Taps.create(network, tap, false); // off the bridge again
    }
}
