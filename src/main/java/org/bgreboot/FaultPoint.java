package org.bgreboot;

/**
 * Named points in the flow where a test can make bgreboot die as abruptly as by SIGKILL: no
 * finally blocks, no shutdown hooks. Set {@code BGREBOOT_FAULT=<point>}: {@code before:<step>} or {@code after:<step>}
 * for every step of a reboot (e.g. {@code before:stop_fg}), or an engine's own (e.g. {@code plug:file-node},
 * between two QMP commands of the disk plug). Does nothing otherwise.
 */
public final class FaultPoint {
    public static final String ENV = "BGREBOOT_FAULT";

    private FaultPoint() {}

    public static void reach(String point) {
        if (point.equals(System.getenv(ENV))) {
            System.err.println("bgreboot: fault injected at " + point + ": dying now");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
