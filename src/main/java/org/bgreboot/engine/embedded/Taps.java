package org.bgreboot.engine.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.HostCommand;
import org.bgreboot.UserError;
import org.bgreboot.spec.VmSpec;

/**
 * The tap devices of a bridged VM, one per QEMU process, in the bridge's network namespace (iproute2,
 * {@code ip -n NS}). FG's tap is a port of the bridge; a clone's is not until the switch, so nothing
 * it sends reaches anyone and nothing reaches it, even once its link is up (which it is a moment
 * before the switch, so the guest has its queue running when the first client arrives).
 */
final class Taps {
    /** The kernel's IFNAMSIZ less the NUL. */
    static final int MAX_NAME_BYTES = 15;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Taps() {}

    /** The tap of a VM's QEMU of {@code generation}: a prefix of the VM's own and the generation. */
    static String name(VmSpec spec, int generation) {
        String prefix = "bgr" + String.format("%06x", spec.name().hashCode() & 0xffffff);
        String name = prefix + "-" + generation;
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new UserError("the tap name " + name + " is longer than " + MAX_NAME_BYTES + " bytes (the kernel's limit)");
        }
        return name;
    }

    /** Refuses a bridge that is not there, or not a bridge; and a MAC another port of it already has. */
    static void checkBridge(VmSpec.Network n, List<String> ours) {
        JsonNode links = json(n.netns(), "-d", "link", "show", "dev", n.bridge());
        if (links == null || links.isEmpty()) {
            throw new UserError("the bridge " + n.bridge() + where(n) + " does not exist: create it, or fix network.bridge");
        }
        if (!"bridge".equals(links.get(0).path("linkinfo").path("info_kind").asText())) {
            throw new UserError(n.bridge() + where(n) + " is not a bridge: fix network.bridge");
        }
        JsonNode fdb = bridgeJson(n.netns(), "fdb", "show", "br", n.bridge());
        for (JsonNode entry : fdb == null ? JSON.createArrayNode() : fdb) {
            String port = entry.path("ifname").asText();
            if (n.mac().equalsIgnoreCase(entry.path("mac").asText()) && !ours.contains(port) && !port.equals(n.bridge())) {
                throw new UserError("the MAC " + n.mac() + " is already on the bridge " + n.bridge() + where(n) + " (port " + port
                        + "): two VMs with one MAC on one bridge would take each other's traffic; give this one another network.mac");
            }
        }
    }

    /** Creates the tap (owned by root, up) if it is not there; a port of the bridge or not. */
    static void create(VmSpec.Network n, String tap, boolean onBridge) {
        if (!exists(n, tap)) {
            ip(n.netns(), "tuntap", "add", "dev", tap, "mode", "tap");
        }
        if (onBridge) {
            ip(n.netns(), "link", "set", "dev", tap, "master", n.bridge(), "up");
        } else {
            ip(n.netns(), "link", "set", "dev", tap, "nomaster", "up");
        }
    }

    /** Makes the tap a port of the bridge that learns from it (the switch). Safe to repeat. One ip process: it is on the downtime path. */
    static void join(VmSpec.Network n, String tap) {
        ipBatch(n.netns(), "link set dev " + tap + " master " + n.bridge() + " up\n"
                + "link set dev " + tap + " type bridge_slave learning on\n");
    }

    /** Whether the bridge learns where MACs are from what arrives on the tap. */
    static void learning(VmSpec.Network n, String tap, boolean on) {
        ip(n.netns(), "link", "set", "dev", tap, "type", "bridge_slave", "learning", on ? "on" : "off");
    }

    static void delete(VmSpec.Network n, String tap) {
        if (exists(n, tap)) {
            ip(n.netns(), "link", "del", "dev", tap);
        }
    }

    /** The bridge port that has the MAC now, as the bridge's forwarding table says; empty if none. */
    static String portOf(VmSpec.Network n) {
        JsonNode fdb = bridgeJson(n.netns(), "fdb", "show", "br", n.bridge());
        for (JsonNode entry : fdb == null ? JSON.createArrayNode() : fdb) {
            if (n.mac().equalsIgnoreCase(entry.path("mac").asText()) && !entry.path("ifname").asText().equals(n.bridge())) {
                return entry.path("ifname").asText();
            }
        }
        return "";
    }

    private static boolean exists(VmSpec.Network n, String tap) {
        JsonNode links = json(n.netns(), "link", "show", "dev", tap);
        return links != null && !links.isEmpty();
    }

    private static String where(VmSpec.Network n) {
        return n.netns().isEmpty() ? "" : " (network namespace " + n.netns() + ")";
    }

    /** {@code bridge -j ...}: its JSON (the forwarding table is iproute2's bridge tool's). */
    private static JsonNode bridgeJson(String netns, String... args) {
        return toolJson("bridge", netns, args);
    }

    /** {@code ip -j ...}: its JSON, or null when it says the device does not exist. */
    private static JsonNode json(String netns, String... args) {
        return toolJson("ip", netns, args);
    }

    private static JsonNode toolJson(String tool, String netns, String... args) {
        List<String> argv = new ArrayList<>(List.of("-j"));
        argv.addAll(List.of(args));
        HostCommand r = run(tool, netns, argv);
        if (!r.ok()) {
            if (r.output().contains("does not exist") || r.output().contains("Cannot find device")) {
                return null;
            }
            throw failure(netns, argv, r);
        }
        try {
            return r.output().isBlank() ? JSON.createArrayNode() : JSON.readTree(r.output());
        } catch (IOException e) {
            throw new IllegalStateException("ip printed something unreadable: " + r.output().strip());
        }
    }

    private static void ip(String netns, String... args) {
        ip(netns, List.of(args), "");
    }

    /** One ip process running {@code commands}, a line each. */
    private static void ipBatch(String netns, String commands) {
        ip(netns, List.of("-batch", "-"), commands);
    }

    private static void ip(String netns, List<String> argv, String stdin) {
        HostCommand r = run("ip", netns, argv, stdin);
        if (!r.ok()) {
            throw failure(netns, argv, r);
        }
    }

    private static RuntimeException failure(String netns, List<String> argv, HostCommand r) {
        String out = r.firstLine().isEmpty() ? "exit status " + r.status() : r.firstLine();
        if (out.contains("Operation not permitted") || out.contains("Permission denied")) {
            return new UserError("cannot make tap devices (" + out + "): a bridged VM needs bgreboot to run as root, or with CAP_NET_ADMIN");
        }
        if (out.contains("Cannot open network namespace")) {
            return new UserError("the network namespace " + netns + " does not exist: create it, or fix network.netns");
        }
        return new IllegalStateException("ip " + String.join(" ", argv) + (netns.isEmpty() ? "" : " (in " + netns + ")") + ": " + out);
    }

    private static HostCommand run(String tool, String netns, List<String> args) {
        return run(tool, netns, args, "");
    }

    private static HostCommand run(String tool, String netns, List<String> args, String stdin) {
        List<String> argv = new ArrayList<>(List.of(tool));
        if (!netns.isEmpty()) {
            argv.addAll(List.of("-n", netns));
        }
        argv.addAll(args);
        try {
            return HostCommand.run(argv, stdin);
        } catch (HostCommand.NotFound e) {
            throw new UserError("iproute2's " + tool + " is not installed: install the Debian package iproute2");
        }
    }
}
