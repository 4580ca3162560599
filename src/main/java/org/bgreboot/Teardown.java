package org.bgreboot;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What a command has started and must take down if the JVM ends early: SIGINT or SIGTERM (the
 * JVM's own handling of both runs its shutdown hooks, then exits 130 or 143), or an exit while
 * something is up. One shutdown hook takes down everything still registered, the latest first (a
 * VM before the libvirt host it runs on, a host before its test network). Whoever registered a
 * thing deregisters it by closing the registration once it took the thing down itself.
 */
public final class Teardown {
    private static final Deque<Registration> UP = new ArrayDeque<>();
    private static boolean hooked;

    private Teardown() {}

    /** One thing that is up. */
    public static final class Registration implements AutoCloseable {
        private final String what;
        private final Runnable down;

        private Registration(String what, Runnable down) {
            this.what = what;
            this.down = down;
        }

        /** It was taken down in the normal course: nothing left to do at exit. */
        @Override public void close() {
            synchronized (Teardown.class) {
                UP.remove(this);
            }
        }
    }

    /** Registers {@code down}, which takes down {@code what} (for the line printed when it runs). */
    public static synchronized Registration onExit(String what, Runnable down) {
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(Teardown::runAll, "teardown"));
            hooked = true;
        }
        Registration r = new Registration(what, down);
        UP.push(r);
        return r;
    }

    private static void runAll() {
        List<Registration> todo;
        synchronized (Teardown.class) {
            todo = new ArrayList<>(UP);
            UP.clear();
        }
        for (Registration r : todo) {
            System.err.println("bgreboot: stopping early: taking down " + r.what);
            try {
                r.down.run();
            } catch (RuntimeException e) {
                System.err.println("bgreboot: could not take down " + r.what + ": " + e.getMessage());
            }
        }
        System.err.flush();
    }
}
