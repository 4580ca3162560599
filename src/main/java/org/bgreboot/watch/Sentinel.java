package org.bgreboot.watch;

import java.util.List;

/**
 * Where watch learns which VMs need a reboot, as kured's sentinel file tells it of a node: here
 * every VM bgreboot knows on a host, asked through its own guest agent.
 */
public interface Sentinel {
    /** Every VM of the host and what it said; throws {@link HostDown} when the host does not answer. */
    List<VmAnswer> ask(String host);

    /** The host did not answer. */
    final class HostDown extends RuntimeException {
        public HostDown(String host, String why) {
            super("host " + host + " does not answer: " + why);
        }
    }
}
