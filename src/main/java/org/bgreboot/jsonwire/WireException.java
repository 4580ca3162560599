package org.bgreboot.jsonwire;

import java.time.Duration;

/**
 * Root of everything that can go wrong talking to a peer that speaks JSON over a socket: QEMU's
 * monitor (QMP) and qemu-guest-agent alike, as qemu.qmp's {@code QMPError}. A caller catches this
 * or one precise child, whichever peer it spoke to. Messages are one line.
 */
public class WireException extends RuntimeException implements org.bgreboot.ExplainedFailure {

    public WireException(String message) {
        super(message);
    }

    public WireException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "30 s", "250 ms": short and exact. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
