package org.bgreboot.engine;

/**
 * The engine lost its connection to the host of the instances (libvirtd restarted) while an
 * operation was under way, and cannot tell whether the operation took effect. The instances keep
 * running meanwhile. {@code restored}: the connection is back, so the step can be done again or
 * undone as recovery would; else the host did not come back within the engine's bound, and
 * nothing can be done there until it does.
 */
public final class ConnectionInterrupted extends RuntimeException implements org.bgreboot.ExplainedFailure {
    private final boolean restored;

    public ConnectionInterrupted(String message, boolean restored, Throwable cause) {
        super(message, cause);
        this.restored = restored;
    }

    public boolean restored() {
        return restored;
    }

    /** The interruption behind {@code e}, if one is (an agent call that failed on it carries it as its cause). */
    public static java.util.Optional<ConnectionInterrupted> in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectionInterrupted c) {
                return java.util.Optional.of(c);
            }
        }
        return java.util.Optional.empty();
    }
}
