package org.bgreboot.agent;

import java.time.Duration;

/**
 * The agent did not answer in time (it may not be running yet), or a guest command did not
 * finish in time. The client resynchronises before its next request.
 */
public class AgentTimeoutException extends AgentException {

    private final String operation;
    private final Duration timeout;

    public AgentTimeoutException(String operation, Duration timeout, String what) {
        super(operation + ": " + what + " within " + format(timeout));
        this.operation = operation;
        this.timeout = timeout;
    }

    /** The command, or for guest-exec the command line, that timed out. */
    public String operation() {
        return operation;
    }

    public Duration timeout() {
        return timeout;
    }
}
