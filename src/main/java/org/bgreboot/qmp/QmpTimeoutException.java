package org.bgreboot.qmp;

import java.time.Duration;

/** No reply to a command, or no awaited event, within the timeout. */
public class QmpTimeoutException extends QmpException {

    private final String command;
    private final Duration timeout;

    private QmpTimeoutException(String message, String command, Duration timeout) {
        super(message);
        this.command = command;
        this.timeout = timeout;
    }

    public static QmpTimeoutException forCommand(String command, Duration timeout) {
        return new QmpTimeoutException(command + ": no reply within " + format(timeout), command, timeout);
    }

    public static QmpTimeoutException forEvent(String event, Duration timeout) {
        return new QmpTimeoutException("no " + event + " event within " + format(timeout), null, timeout);
    }

    /** The command that got no reply, or null when an event was awaited. */
    public String command() {
        return command;
    }

    public Duration timeout() {
        return timeout;
    }
}
