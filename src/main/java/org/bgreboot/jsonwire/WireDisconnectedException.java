package org.bgreboot.jsonwire;

/** The connection is gone, or never came: the peer's process exited, the socket closed, or close() was called. */
public class WireDisconnectedException extends WireException {

    public WireDisconnectedException(String message) {
        super(message);
    }

    public WireDisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
