package org.bgreboot.qmp;

import java.time.Duration;

/** Root of everything that can go wrong talking QMP. Messages are one line. */
public class QmpException extends RuntimeException implements org.bgreboot.ExplainedFailure {

    public QmpException(String message) {
        super(message);
    }

    public QmpException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "30 s", "250 ms": short and exact. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
