package org.bgreboot.ready;

import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.Console;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.LifecycleWatch;

/**
 * A booting guest seen by readiness checks: its agent, its console from where this boot began, and
 * a watch on the events that mean it will never become ready, so waiting fails fast instead of at
 * the timeout. {@code stopRequested} is checked between attempts too (Ctrl-C).
 */
public final class ReadyTarget implements AutoCloseable {
    private final Instance instance;
    private final LifecycleWatch watch;
    private final long consoleStart;
    private final Runnable stopRequested;

    /** A guest whose whole console output is this boot's. */
    public ReadyTarget(Instance instance) {
        this(instance, 0, () -> { });
    }

    /**
     * @param consoleStart where this boot's console output begins: a guest that reboots in place
     *     appends to the same console, and its ready line may come before we look
     * @param stopRequested throws to stop waiting (a reboot asked to stop)
     */
    public ReadyTarget(Instance instance, long consoleStart, Runnable stopRequested) {
        this.instance = instance;
        this.consoleStart = consoleStart;
        this.stopRequested = stopRequested;
        this.watch = instance.watch();
    }

    public Console console() {
        return instance.console();
    }

    /** Where this boot's console output begins: lines before it belong to an earlier boot. */
    public long consoleStart() {
        return consoleStart;
    }

    public GuestAgent agent() {
        return instance.agent();
    }

    /** Throws when the guest can no longer become ready, or waiting should stop. */
    public void ensureAlive() {
        stopRequested.run();
        watch.fatal().ifPresent(reason -> {
            throw new GuestFailedException(reason);
        });
    }

    @Override public void close() {
        watch.close();
    }
}
