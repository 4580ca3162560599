package org.bgreboot.testnet;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;

/**
 * Gives a built-in Debian guest that boots from its disk its address on a test network, through
 * its agent: the image configures user networking's 10.0.2.15 only, and its kernel command line is
 * its boot loader's. The address goes into a systemd-networkd drop-in on the system disk (so a
 * clone cut later boots with it) and onto the running interface. Nothing changes when it has it.
 */
public final class GuestAddress {
    static final String DROP_IN = "/etc/systemd/network/10-virtio.network.d/bgreboot-testnet.conf";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private GuestAddress() {}

    /** {@code address/prefix} on the guest's virtio NIC, now and at every boot of its system disk. */
    public static void ensure(GuestAgent agent, String address, int prefix) {
        String cidr = address + "/" + prefix;
        if (run(agent, "ip -4 -o addr show | grep -q ' inet " + cidr + " '").ok()) {
            return;
        }
        String dropIn = "# bgreboot's test network: this VM's own address on its bridge (written through the agent)\n[Network]\nAddress=" + cidr + "\n";
        run(agent, "mkdir -p " + DROP_IN.substring(0, DROP_IN.lastIndexOf('/')));
        agent.writeFile(DROP_IN, new ByteArrayInputStream(dropIn.getBytes(StandardCharsets.UTF_8)));
        // the interface that has user networking's address is the virtio NIC
        ExecResult r = run(agent, "chmod 644 " + DROP_IN + " && dev=$(ip -4 -o addr show | awk '/ inet 10\\.0\\.2\\.15\\// {print $2; exit}')"
                + " && [ -n \"$dev\" ] && ip addr add " + cidr + " dev \"$dev\" && sync");
        if (!r.ok()) {
            throw new IllegalStateException("could not give the guest the address " + cidr + ": " + r.stderrText().strip());
        }
    }

    private static ExecResult run(GuestAgent agent, String script) {
        return agent.exec(List.of("/bin/sh", "-c", script), TIMEOUT);
    }
}
