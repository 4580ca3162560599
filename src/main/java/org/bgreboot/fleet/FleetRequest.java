package org.bgreboot.fleet;

import java.util.List;

/**
 * What a user asks of a roll: the libvirt hosts, the VMs (or all that bgreboot knows there), at
 * most {@code parallel} reboots at once per host, at most {@code maxUnavailable} VMs in a switch at
 * once across the fleet, what a failure does, and whether clients' view is measured (a prober and
 * a writer per VM, for VMs whose spec gives their address).
 */
public record FleetRequest(List<String> hosts, List<String> vms, boolean all, int parallel, int maxUnavailable, OnFailure onFailure,
                           boolean measure) {
    /** Refuses, before any host is asked, limits that would reboot nothing. */
    public FleetRequest {
        hosts = List.copyOf(hosts);
        vms = List.copyOf(vms);
        if (parallel < 1) {
            throw new org.bgreboot.UserError("--parallel " + parallel + " would reboot nothing: give 1 or more (reboots at once per host)");
        }
        if (maxUnavailable < 1) {
            throw new org.bgreboot.UserError("--max-unavailable " + maxUnavailable + " would let no VM switch: give 1 or more");
        }
    }
}
