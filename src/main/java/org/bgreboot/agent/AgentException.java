package org.bgreboot.agent;

import java.time.Duration;

/** Root of everything that can go wrong talking to qemu-guest-agent. Messages are one line. */
public class AgentException extends RuntimeException implements org.bgreboot.ExplainedFailure {

    public AgentException(String message) {
        super(message);
    }

    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }

    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
