package org.bgreboot.testnet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.HostCommand;
import org.bgreboot.UserError;
import org.bgreboot.guest.GuestSpecs;

/**
 * A network the project makes for itself ({@code scripts/testnet.sh}): a switch namespace holding a
 * bridge, and a client namespace joined to it, where the prober, the writer and the load run and
 * reach VMs at their own addresses. Everything it made goes when it is closed, by the names it gave.
 */
public final class TestNetwork implements AutoCloseable {
    private final Path script;
    private final String name;
    private final Map<String, String> facts;
    private org.bgreboot.Teardown.Registration teardown;

    private TestNetwork(Path script, String name, Map<String, String> facts) {
        this.script = script;
        this.name = name;
        this.facts = facts;
    }

    /** Brings up test network {@code name} (1-8 of [a-z0-9]) on 10.77.{@code subnet}.0/24, or where {@link #ENV} moves it. */
    public static TestNetwork up(Path repo, String name, int subnet) {
        Place p = place(name, subnet);
        Path script = repo.resolve("scripts").resolve("testnet.sh");
        org.bgreboot.Teardown.Registration down = org.bgreboot.Teardown.onExit("test network " + p.name(), () -> run(script, List.of("down", p.name())));
        try {
            TestNetwork n = new TestNetwork(script, p.name(), facts(run(script, List.of("up", p.name(), String.valueOf(p.subnet())))));
            n.teardown = down;
            return n;
        } catch (RuntimeException e) {
            down.close();
            throw e;
        }
    }

    /**
     * Moves the networks the demos and tests make to other names and subnets, so two runs on one
     * machine do not tear down each other's: {@code lvdemo=jsn1:81,lvfleet=jsn2:82}. A network not
     * named keeps its own.
     */
    public static final String ENV = "BGREBOOT_TESTNETS";

    /** A test network's name and its 10.77.X.0/24. */
    public record Place(String name, int subnet) {}

    /** Where network {@code name} on {@code subnet} goes, after {@link #ENV}. */
    public static Place place(String name, int subnet) {
        String moves = System.getenv(ENV);
        if (moves != null) {
            for (String m : moves.split(",")) {
                String[] kv = m.strip().split("=");
                if (kv.length == 2 && kv[0].equals(name)) {
                    String[] to = kv[1].split(":");
                    try {
                        return new Place(to[0], to.length > 1 ? Integer.parseInt(to[1]) : subnet);
                    } catch (NumberFormatException e) {
                        throw new UserError(ENV + ": '" + m + "' is not NAME=NEWNAME:SUBNET (e.g. lvdemo=jsn1:81)");
                    }
                }
            }
        }
        return new Place(name, subnet);
    }

    public String bridge() {
        return fact("BRIDGE");
    }

    /** The namespace holding the bridge (and bgreboot's taps). */
    public String switchNetns() {
        return fact("SWITCH_NS");
    }

    /** The namespace clients run in. */
    public String clientNetns() {
        return fact("CLIENT_NS");
    }

    /** The client's own address, in the client namespace. */
    public String clientAddress() {
        return fact("CLIENT_ADDR");
    }

    /** The {@code i}-th VM address (0 is the first one the script leaves for VMs). */
    public String vmAddress(int i) {
        String[] first = fact("VM_ADDR_FIRST").split("\\.");
        return first[0] + "." + first[1] + "." + first[2] + "." + (Integer.parseInt(first[3]) + i);
    }

    /** Where the {@code i}-th VM sits, for its spec. */
    public GuestSpecs.Bridge place(int i) {
        return new GuestSpecs.Bridge(bridge(), switchNetns(), vmAddress(i), Integer.parseInt(fact("PREFIX_LEN")), clientNetns());
    }

    @Override public void close() {
        run(script, List.of("down", name));
        if (teardown != null) {
            teardown.close();
        }
    }

    private String fact(String key) {
        String v = facts.get(key);
        if (v == null) {
            throw new IllegalStateException("testnet.sh did not say " + key);
        }
        return v;
    }

    private static Map<String, String> facts(String out) {
        Map<String, String> m = new HashMap<>();
        out.lines().filter(l -> l.contains("=")).forEach(l -> m.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        return m;
    }

    private static String run(Path script, List<String> args) {
        List<String> argv = new ArrayList<>(List.of("bash", script.toString()));
        argv.addAll(args);
        HostCommand r;
        try {
            r = HostCommand.run(argv);
        } catch (HostCommand.NotFound e) {
            throw new UserError("cannot run " + script + ": " + e.getMessage());
        }
        if (!r.ok()) {
            throw new UserError("testnet.sh " + String.join(" ", args) + " failed: " + r.lastLine());
        }
        return r.output();
    }
}
