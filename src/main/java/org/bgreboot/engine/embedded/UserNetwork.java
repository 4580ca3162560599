package org.bgreboot.engine.embedded;

import java.util.List;
import java.util.Map;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;

/**
 * A VM's network identity under QEMU user networking: its MAC (the clone has the same one), its
 * link and its host port forwards. A clone boots with what its guest sends held (a filter on its
 * netdev that sends the guest's frames to a null chardev) and no port forwarded to it, its link up:
 * {@code restrict=on} cannot be lifted at runtime in QEMU 7.2. Its guest has the carrier before the
 * first client's packet arrives; at the switch the hold goes and the port forwards come.
 */
final class UserNetwork implements GuestNetwork {
    /** At once, then every 2-10 ms for about 300 ms: the guest's first announcements may come before its link works. */
    private static final Map<String, Object> ANNOUNCE = Map.of("initial", 1, "max", 10, "rounds", 30, "step", 2);
    private final List<VmSpec.PortForward> forwards;

    UserNetwork(VmSpec.Network network) {
        this.forwards = network.forwards();
    }

    /**
     * Nothing to cut off: what a clone's guest sends is held from its launch (see {@link
     * QemuCommand}) and no port is forwarded to it. Its link stays up, so its guest boots with the
     * carrier as any guest does and has none to take at the switch (a trixie clone whose link came
     * up before the switch had still not taken it 2 s later, and its first answer came 2 s after
     * the switch). A clone launched without the hold has its link held down instead.
     */
    @Override public void isolate(QmpClient clone) {
        boolean held = false;
        for (var o : clone.execute("qom-list", Map.of("path", "/objects"))) {
            held |= QemuCommand.HOLD_ID.equals(o.path("name").asText());
        }
        if (!held) {
            setLink(clone, false);
        }
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
     * Before the switch, off the downtime path: link up (up since launch unless the clone had no
     * hold), and the guest's kernel has it. A guest whose link has just come up drops what it sends
     * until its kernel has taken the carrier (10-65 ms under TCG, more on a busy host): a SYN-ACK
     * dropped so costs a client TCP's 1-s retry (seen as a 1.2-s write gap).
     */
    @Override public void prepare(QmpClient clone, Runnable awaitLinkUp) {
        setLink(clone, true);
        awaitLinkUp.run();
    }

    /**
     * The hold goes, link up, the guest asked to announce itself, and the host ports forwarded to
     * this VM (ports it has already are left alone). Announcing (virtio-net's guest announce: a
     * gratuitous ARP from the guest, asked for every few ms) tells QEMU's user networking the
     * guest's MAC at once; without it QEMU's first packets for the guest waited on an ARP request,
     * and a lost one is asked again only a second later.
     */
    @Override public void take(QmpClient vm) {
        unhold(vm);
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

    /** Removes a clone's hold (filter, then its chardev); a VM without one (FG, a repeated take) is left as it is. */
    private static void unhold(QmpClient vm) {
        for (String command : List.of("object-del", "chardev-remove")) {
            try {
                vm.execute(command, Map.of("id", QemuCommand.HOLD_ID));
            } catch (WireCommandException e) {
                if (!e.getMessage().contains("not found")) {
                    throw e;
                }
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
