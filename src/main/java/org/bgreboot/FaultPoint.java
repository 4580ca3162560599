package org.bgreboot;

/**
 * Named points in the flow where a test can make bgreboot die as abruptly as by SIGKILL: no
 * finally blocks, no shutdown hooks. Set {@code BGREBOOT_FAULT=<point>}: {@code before:<step>} or {@code after:<step>}
 * for every step of a reboot (e.g. {@code before:stop_fg}), or an engine's own (e.g. {@code plug:file-node},
 * between two QMP commands of the disk plug). {@code BGREBOOT_FAULT=fail:<point>} instead makes the
 * operation at that point fail as if QEMU had refused it. Does nothing otherwise.
 *
 * <p>Unit tests, which run the flow in their own JVM, set an {@link Injector} instead: it hears every
 * point reached and may throw there (an {@link Error} the flow does not catch, standing for the
 * process's death, or a refusal).
 */
public final class FaultPoint {
    public static final String ENV = "BGREBOOT_FAULT";
    /** Where a test makes bgreboot stop for a while (to send it a signal there): {@code BGREBOOT_PAUSE=<point>}. */
    public static final String PAUSE_ENV = "BGREBOOT_PAUSE";
    private static final long PAUSE_MS = 20_000;
    private static volatile boolean woken;
    private static volatile Injector injector;

    private FaultPoint() {}

    /** What a unit test does at each point this JVM reaches: nothing, or throw. */
    @FunctionalInterface
    public interface Injector {
        void reach(String point);
    }

    /** Every point reached from now on is told to {@code i}; null: only the environment decides again. */
    public static void inject(Injector i) {
        injector = i;
    }

    public static void reach(String point) {
        Injector i = injector;
        if (i != null) {
            i.reach(point);
        }
        if (point.equals(System.getenv(ENV))) {
            System.err.println("bgreboot: fault injected at " + point + ": dying now");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
        if (("fail:" + point).equals(System.getenv(ENV))) {
            throw new IllegalStateException("refused (fault injected at " + point + ")");
        }
        if (point.equals(System.getenv(PAUSE_ENV))) {
            System.err.println("bgreboot: paused at " + point + " for " + PAUSE_MS / 1000 + " s");
            System.err.flush();
            long until = System.nanoTime() + PAUSE_MS * 1_000_000;
            while (!woken && System.nanoTime() < until) {
                Sleep.ms(10);
            }
        }
    }

    /** Ends a pause early: a signal came, which is what the pause waited for. */
    public static void wake() {
        woken = true;
    }
}
