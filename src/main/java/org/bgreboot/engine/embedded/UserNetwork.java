package org.bgreboot.engine.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's network identity under QEMU user networking: its MAC (the clone has the same one), its
 * link and its host port forwards. The clone is isolated by holding its link down from before its
 * first instruction until the switch; {@code restrict=on} cannot be lifted at runtime in QEMU 7.2.
 */
final class UserNetwork implements GuestNetwork {
    /** At once, then every 2-10 ms for about 300 ms: the guest's first announcements may come before its link works. */
    private static final Map<String, Object> ANNOUNCE = Map.of("initial", 1, "max", 10, "rounds", 30, "step", 2);
    /**
     * Far above the 10-65 ms a guest takes under TCG, and above the 1-3 s a Debian 13 clone beside
     * another busy VM once took; FG serves meanwhile, so the wait costs clients nothing. A guest
     * that sends nothing at all (no IPv4 address, no guest announce) is not waited for longer.
     */
    private static final Duration FIRST_FRAME_LIMIT = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(UserNetwork.class);
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
     * Link up, the guest asked to announce itself, and a wait until a frame of the guest's has
     * passed (see {@link FirstFrame}), FG still holding the host ports and serving. A guest whose
     * link just came up drops what it sends until its kernel has taken the carrier (10-65 ms under
     * TCG, at times more), and this QEMU's user networking, new with the clone, knows nothing of the
     * guest until it hears from it: with the ports forwarded at once, QEMU's ARP request for the
     * guest, or the guest's answer, could be dropped, and the client waited out a second (CI: a
     * 1,198-ms write gap against a 354-ms switch). Announcing (virtio-net's guest announce: a
     * gratuitous ARP from the guest, asked for every few ms) makes the guest send as soon as it can;
     * its first frame through tells QEMU its MAC. Watched from QEMU's side, the wait costs no agent
     * round trip (asking the agent cost 200-350 ms), and it is off the downtime: FG still answers.
     */
    @Override public String linkUp(QmpClient clone, Path scratch) {
        try (FirstFrame first = FirstFrame.watch(clone, QemuCommand.NETDEV_ID, scratch)) {
            setLink(clone, true);
            clone.execute("announce-self", ANNOUNCE);
            long ms = first.await(FIRST_FRAME_LIMIT);
            if (ms < 0) {
                log.warn("the clone's guest sent nothing within {} ms of its link coming up (no guest announce, no IPv4 address?): its ports are forwarded anyway",
                        FIRST_FRAME_LIMIT.toMillis());
                return "the guest sent nothing within " + FIRST_FRAME_LIMIT.toMillis() + " ms";
            }
            return "the guest sent after " + ms + " ms";
        }
    }

    /**
     * Link up, the guest asked to announce itself (again: a take without {@link #linkUp}, as a
     * recovery's, still tells QEMU the guest's MAC as soon as the guest can), and the host ports
     * forwarded to this VM (ports it has already are left alone).
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
