package org.bgreboot.qmp;

/** The QMP connection is gone (QEMU exited, the socket closed, or close() was called). */
public class QmpDisconnectedException extends QmpException {

    public QmpDisconnectedException(String message) {
        super(message);
    }

    public QmpDisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
