package org.bgreboot.agent;

import org.bgreboot.qmp.JsonSocket;

/** The agent sent something that is not a reply we can use; the client resynchronises next time. */
public class AgentProtocolException extends AgentException {

    private final String received;

    public AgentProtocolException(String message, String received) {
        super(received == null ? message : message + ": " + JsonSocket.abbreviate(received.replace("\n", "\\n")));
        this.received = received;
    }

    /** What was received, in full, or null. */
    public String received() {
        return received;
    }
}
