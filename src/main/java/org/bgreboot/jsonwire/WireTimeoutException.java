package org.bgreboot.jsonwire;

import java.time.Duration;

/** No reply to a command, no awaited event, or a guest command not finished, within the timeout. */
public class WireTimeoutException extends WireException {

    private final String operation;
    private final Duration timeout;

    /** "{@code operation}: {@code what} within 30 s", e.g. "query-status: no reply within 30 s". */
    public WireTimeoutException(String operation, Duration timeout, String what) {
        super(operation + ": " + what + " within " + format(timeout));
        this.operation = operation;
        this.timeout = timeout;
    }

    /** "{@code what} within 30 s", for a wait that is not a command's, e.g. "no SHUTDOWN event within 30 s". */
    public WireTimeoutException(Duration timeout, String what) {
        super(what + " within " + format(timeout));
        this.operation = null;
        this.timeout = timeout;
    }

    /** The command (for guest-exec, the command line) that got no answer in time, or null when an event was awaited. */
    public String operation() {
        return operation;
    }

    public Duration timeout() {
        return timeout;
    }
}
