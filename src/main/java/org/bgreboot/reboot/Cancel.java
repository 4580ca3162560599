package org.bgreboot.reboot;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request to stop a reboot (Ctrl-C, SIGTERM). Before the point of no return the flow aborts at
 * its next check (between steps, while waiting for the clone, while the update installs): the
 * clone is discarded and FG stays as it was. After it, the flow ignores the request and completes
 * the switch, since stopping there would leave no VM serving.
 */
public final class Cancel {
    public static final Cancel NEVER = new Cancel();

    private final AtomicReference<String> reason = new AtomicReference<>();
    private final AtomicBoolean committed = new AtomicBoolean();

    /** Asks the reboot to stop; {@code why} ends up in its abort reason. */
    public void request(String why) {
        reason.compareAndSet(null, why);
    }

    public Optional<String> requested() {
        return Optional.ofNullable(reason.get());
    }

    /** Whether the reboot is past its point of no return (a request is then only noted). */
    public boolean committed() {
        return committed.get();
    }

    void commit() {
        committed.set(true);
    }

    /** Throws {@link CancelledException} when a stop was asked for and the reboot may still abort. */
    void check() {
        String why = reason.get();
        if (why != null && !committed.get()) {
            throw new CancelledException(why);
        }
    }

    /** The reboot was asked to stop before its point of no return. */
    static final class CancelledException extends RuntimeException {
        CancelledException(String why) {
            super(why);
        }
    }
}
