package org.bgreboot.ready;

/** A readiness check did not pass before the deadline. */
public final class NotReadyException extends RuntimeException {
    public NotReadyException(String message) {
        super(message);
    }
}
