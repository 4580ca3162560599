package org.bgreboot.jsonwire;

/**
 * The peer broke its protocol: malformed JSON, a bad greeting, a message that fits nothing. QMP
 * closes the connection on it; the agent's channel resynchronises before its next request.
 */
public class WireProtocolException extends WireException {

    private final String received;

    public WireProtocolException(String message, String received) {
        this(message, received, null);
    }

    public WireProtocolException(String message, String received, Throwable cause) {
        super(received == null ? message : message + ": " + JsonSocket.abbreviate(oneLine(received)), cause);
        this.received = received;
    }

    private WireProtocolException(WireProtocolException original, String what) {
        super(what + ": " + original.getMessage(), original);
        this.received = original.received;
    }

    /** The same failure, told as the failure of {@code what} (a command waiting when it happened). */
    public WireProtocolException during(String what) {
        return new WireProtocolException(this, what);
    }

    /** What was received, in full (the message shows only its start), or null. */
    public String received() {
        return received;
    }

    private static String oneLine(String text) {
        return text.replace("\r", "\\r").replace("\n", "\\n");
    }
}
