package org.bgreboot.engine.embedded;

import java.util.List;
import java.util.Map;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;

/**
 * A VM's network identity under QEMU user networking: its MAC (the clone has the same one), its
 * link and its host port forwards. The clone is isolated by holding its link down from before its
 * first instruction until the switch; {@code restrict=on} cannot be lifted at runtime in QEMU 7.2.
 */
final class UserNetwork implements GuestNetwork {
    /** At once, then every 2-10 ms for about 300 ms: the guest's first announcements may come before its link works. */
    private static final Map<String, Object> ANNOUNCE = Map.of("initial", 1, "max", 10, "rounds", 30, "step", 2);
    private final List<VmSpec.PortForward> forwards;

    UserNetwork(VmSpec.Network network) {
        this.forwards = network.forwards();
    }

    @Override public void isolate(QmpClient clone) {
        setLink(clone, false);
    }

    /** Frees the host ports a VM holds (a clone that took some of them before a crash). */
    @Override public void release(QmpClient vm) {
        for (VmSpec.PortForward f : forwards) {
            hmp(vm, "hostfwd_remove " + QemuCommand.NETDEV_ID + " tcp:" + f.hostAddress() + ":" + f.hostPort());
        }
    }

    /**
     * The host ports go (the clone cannot forward a port FG still holds); connections FG's user
     * networking has open stay up, so what FG had accepted is still answered.
     */
    @Override public void handOver(QmpClient vm) {
        release(vm);
    }

    /**
     * Link up, the guest asked to announce itself, and the host ports forwarded to this VM (ports
     * it has already are left alone). A guest whose link just came up drops what it sends until
     * its kernel has taken the carrier (~10 ms under TCG, at times more): QEMU's first ARP requests
     * for it went unanswered, and QEMU asks again only a second later. Announcing (virtio-net's
     * guest announce: a gratuitous ARP from the guest, asked for every few ms) tells QEMU's user
     * networking the guest's MAC once its link works, and what it held for the guest goes out. No
     * wait here: asking the guest through its agent whether the link is up cost 200-350 ms of
     * the downtime, the guest being busy with the link itself.
     */
    @Override public void take(QmpClient vm) {
        setLink(vm, true);
        vm.execute("announce-self", ANNOUNCE);
        for (VmSpec.PortForward f : forwards) {
            String out = vm.hmp("hostfwd_add " + QemuCommand.NETDEV_ID + " " + f.hostfwd()).strip();
            // "could not set up host forwarding rule": ours already (a repeated take) or, if another
            // process holds the port, the check below says so
            if (!out.isEmpty() && !forwarded(vm, f)) {
                throw new IllegalStateException("hostfwd_add " + f.hostfwd() + ": " + out);
            }
        }
    }

    /** Whether this QEMU forwards the host port already (HMP {@code info usernet} lists it). */
    private static boolean forwarded(QmpClient vm, VmSpec.PortForward f) {
        String table = vm.hmp("info usernet");
        return table.lines().anyMatch(l -> l.contains("HOST_FORWARD") && l.contains(" " + f.hostAddress() + " ")
                && l.matches(".*\\s" + f.hostPort() + "\\s.*"));
    }

    static void setLink(QmpClient vm, boolean up) {
        vm.execute("set_link", Map.of("name", QemuCommand.NIC_ID, "up", up));
    }

    /** HMP answers errors as text: hostfwd_remove says "host forwarding rule for ... removed" or "not found". */
    private static void hmp(QmpClient vm, String command) {
        String out = vm.hmp(command).strip();
        if (!out.isEmpty() && !out.endsWith(" removed") && !out.contains("not found")) {
            throw new IllegalStateException(command + ": " + out);
        }
    }
}
