package org.bgreboot.qmp;

/** The peer broke the protocol: malformed JSON, a bad greeting, a message that fits nothing. */
public class QmpProtocolException extends QmpException {

    private final String received;

    public QmpProtocolException(String message, String received) {
        this(message, received, null);
    }

    public QmpProtocolException(String message, String received, Throwable cause) {
        super(received == null ? message : message + ": " + JsonSocket.abbreviate(oneLine(received)), cause);
        this.received = received;
    }

    /** The same failure, told as the failure of {@code what} (a command waiting when it happened). */
    QmpProtocolException(String what, QmpProtocolException original) {
        super(what + ": " + original.getMessage(), original);
        this.received = original.received;
    }

    /** What was received, in full (the message shows only its start). */
    public String received() {
        return received;
    }

    private static String oneLine(String text) {
        return text.replace("\r", "\\r").replace("\n", "\\n");
    }
}
