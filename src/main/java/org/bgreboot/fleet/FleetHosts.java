package org.bgreboot.fleet;

import java.util.List;
import org.bgreboot.engine.Vm;

/**
 * The hosts of a roll as the roll needs them: which VMs are where, each VM to reboot, whether a
 * host still answers, and how much memory a clone could take there. {@link LibvirtHosts} is the
 * real one; tests stand in an engine in memory for several hosts.
 */
interface FleetHosts extends AutoCloseable {

    /** The hosts, as the roll names them (URIs). */
    List<String> uris();

    /** The VMs bgreboot knows on a host, by their stable names. */
    List<String> vmsOn(String uri);

    /** Whether the VM (or a domain) called {@code vm} is on the host. */
    boolean has(String uri, String vm);

    /** The VM called so on a host, ready to be rebooted or recovered. */
    Vm vm(String uri, String name);

    /** Whether a host still answers; one that does not stays down for the rest of the roll. */
    boolean reachable(String uri);

    /** Whether the host was found down (without asking it again). */
    boolean isDown(String uri);

    /** Memory a new clone could take on the host now, in bytes. */
    long availableMemoryBytes(String uri);

    @Override void close();
}
