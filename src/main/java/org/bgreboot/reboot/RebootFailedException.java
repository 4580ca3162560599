package org.bgreboot.reboot;

/** A reboot ended without a serving VM in the new OS and without a rollback; the message says what to do. */
public final class RebootFailedException extends RuntimeException implements org.bgreboot.ExplainedFailure {
    public RebootFailedException(String message) {
        super(message);
    }
}
