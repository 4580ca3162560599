package org.bgreboot.agent;

/** The agent's socket is closed (QEMU exited, or close() was called). */
public class AgentDisconnectedException extends AgentException {

    public AgentDisconnectedException(String message) {
        super(message);
    }

    public AgentDisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
