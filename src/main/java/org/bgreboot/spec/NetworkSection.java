package org.bgreboot.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * [network] on the embedded engine: user networking with port forwards (the default), or a tap
 * on a bridge with the VM's own address. The MAC defaults to one derived from the VM's name.
 */
final class NetworkSection {
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    static final int DEFAULT_SERVICE_PORT = 80;

    private NetworkSection() {}

    static VmSpec.Network read(SpecFile.Net n, String vmName, SpecCheck check) {
        if (n == null) {
            return VmSpec.Network.user(defaultMac(vmName), List.of());
        }
        String mac = n.mac() == null ? defaultMac(vmName) : n.mac().toLowerCase(Locale.ROOT);
        if (!MAC.matcher(mac).matches()) {
            check.fail("network.mac '" + SpecCheck.shown(n.mac()) + "' is not a MAC address: write it like 52:54:00:12:34:56");
        }
        if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0 || mac.equals("00:00:00:00:00:00")) {
            check.fail("network.mac " + mac + " is a multicast or all-zero address, which no NIC may have: use one like 52:54:00:12:34:56");
        }
        String mode = n.mode() == null ? "user" : n.mode();
        if (mode.equals("bridge")) {
            return bridged(n, mac, check);
        }
        if (!mode.equals("user")) {
            check.fail("network.mode = \"" + SpecCheck.shown(mode) + "\" is unknown: use \"user\" (port forwards) or \"bridge\" (the VM's own address on a bridge)");
        }
        return user(n, mac, check);
    }

    private static VmSpec.Network user(SpecFile.Net n, String mac, SpecCheck check) {
        for (String key : new String[] {n.bridge() == null ? null : "bridge", n.netns() == null ? null : "netns", n.address() == null ? null : "address",
                n.clientNetns() == null ? null : "client_netns"}) {
            if (key != null) {
                check.fail("network." + key + " applies to mode = \"bridge\" only");
            }
        }
        List<VmSpec.PortForward> forwards = new ArrayList<>();
        Set<Integer> hostPorts = new HashSet<>();
        for (SpecFile.Forward f : n.forwards() == null ? List.<SpecFile.Forward>of() : n.forwards()) {
            if (f == null) {
                check.fail("network.forwards must be tables like { host_port = 18080, guest_port = 80 }");
            }
            int host = check.port("network.forwards.host_port", f.hostPort());
            int guest = check.port("network.forwards.guest_port", f.guestPort());
            String addr = f.hostAddress() == null ? "127.0.0.1" : f.hostAddress();
            if (!SpecCheck.ipv4(addr)) {
                check.fail("network.forwards.host_address '" + addr + "' must be an IPv4 address like 127.0.0.1");
            }
            if (!hostPorts.add(host)) {
                check.fail("host port " + host + " is forwarded twice");
            }
            forwards.add(new VmSpec.PortForward(addr, host, guest));
        }
        return VmSpec.Network.user(mac, List.copyOf(forwards));
    }

    /** Bridge mode: the bridge (and the namespace it lives in), the VM's own address, where clients are. */
    private static VmSpec.Network bridged(SpecFile.Net n, String mac, SpecCheck check) {
        if (n.forwards() != null && !n.forwards().isEmpty()) {
            check.fail("network.forwards apply to mode = \"user\" only: a bridged VM is reached at its own address");
        }
        String bridge = check.require(n.bridge(), "network.bridge", "bridge = \"br0\"");
        if (!IFNAME.matcher(bridge).matches()) {
            check.fail("network.bridge '" + SpecCheck.shown(bridge) + "' is not an interface name (1-15 letters, digits, '-', '_', '.')");
        }
        String netns = check.netns(n.netns());
        String clientNetns = check.netns(n.clientNetns());
        String address = check.require(n.address(), "network.address", "address = \"10.77.0.10\"");
        if (!SpecCheck.ipv4(address)) {
            check.fail("network.address '" + SpecCheck.shown(address) + "' must be the VM's IPv4 address, like 10.77.0.10");
        }
        int servicePort = n.servicePort() == null ? DEFAULT_SERVICE_PORT : check.port("network.service_port", n.servicePort());
        return new VmSpec.Network(VmSpec.Network.Mode.BRIDGE, mac, List.of(), bridge, netns, address, clientNetns, servicePort);
    }

    private static String defaultMac(String vmName) {
        int h = vmName == null ? 0 : vmName.hashCode();
        return String.format("52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
    }
}
