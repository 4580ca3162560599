package org.bgreboot.net;

import java.util.List;
import java.util.Map;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.vm.QemuCommand;
import org.bgreboot.vm.VmSpec;

/**
 * A VM's network identity under QEMU user networking: its MAC (the clone has the same one), its
 * link and its host port forwards. The clone is isolated by holding its link down from before its
 * first instruction until the switch; {@code restrict=on} cannot be lifted at runtime in QEMU 7.2.
 */
public final class NetworkIdentity {
    private final List<VmSpec.PortForward> forwards;

    public NetworkIdentity(VmSpec.Network network) {
        this.forwards = network.forwards();
    }

    /** Link down on a clone that has not yet run (started with -S). */
    public static void isolate(QmpClient clone) {
        setLink(clone, false);
    }

    /** Frees the host ports a VM holds (a clone that took some of them before a crash). */
    public void release(QmpClient old) {
        for (VmSpec.PortForward f : forwards) {
            hmp(old, "hostfwd_remove " + QemuCommand.NETDEV_ID + " tcp:" + f.hostAddress() + ":" + f.hostPort());
        }
    }

    /** Link up and the host ports forwarded to the new VM. */
    public void take(QmpClient next) {
        setLink(next, true);
        addForwards(next);
    }

    /** Link up only: for a VM started with the forwards on its command line (a restored clone). */
    public static void linkUp(QmpClient next) {
        setLink(next, true);
    }

    private void addForwards(QmpClient vm) {
        for (VmSpec.PortForward f : forwards) {
            hmp(vm, "hostfwd_add " + QemuCommand.NETDEV_ID + " " + f.hostfwd());
        }
    }

    private static void setLink(QmpClient vm, boolean up) {
        vm.execute("set_link", Map.of("name", QemuCommand.NIC_ID, "up", up));
    }

    /**
     * HMP answers errors as text, not as QMP errors: hostfwd_add says nothing on success,
     * hostfwd_remove says "host forwarding rule for ... removed".
     */
    private static void hmp(QmpClient vm, String command) {
        String out = vm.hmp(command).strip();
        if (!out.isEmpty() && !out.endsWith(" removed")) {
            throw new IllegalStateException(command + ": " + out);
        }
    }
}
