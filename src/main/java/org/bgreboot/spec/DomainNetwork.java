package org.bgreboot.spec;

import java.util.List;

/** [network] in a libvirt spec: only what the domain's XML cannot say, where its clients reach its service. */
final class DomainNetwork {
    private DomainNetwork() {}

    static VmSpec.Network read(SpecFile.Net n, SpecCheck check) {
        if (n == null) {
            return new VmSpec.Network(VmSpec.Network.Mode.BRIDGE, "", List.of(), "", "", "", "", NetworkSection.DEFAULT_SERVICE_PORT);
        }
        for (String key : new String[] {n.mode() == null ? null : "mode", n.mac() == null ? null : "mac", n.bridge() == null ? null : "bridge",
                n.netns() == null ? null : "netns", n.forwards() == null ? null : "forwards"}) {
            if (key != null) {
                check.fail("network." + key + " does not belong in a libvirt spec: the domain's <interface> says it; "
                        + "give only address, client_netns and service_port (where clients reach the VM)");
            }
        }
        String address = n.address() == null ? "" : n.address();
        if (!address.isEmpty() && !SpecCheck.ipv4(address)) {
            check.fail("network.address '" + SpecCheck.shown(address) + "' must be the VM's IPv4 address, like 10.77.0.10");
        }
        String clientNetns = check.netns(n.clientNetns());
        int servicePort = n.servicePort() == null ? NetworkSection.DEFAULT_SERVICE_PORT : check.port("network.service_port", n.servicePort());
        return new VmSpec.Network(VmSpec.Network.Mode.BRIDGE, "", List.of(), "", "", address, clientNetns, servicePort);
    }
}
