package org.bgreboot;

/**
 * A mistake of the user's (bad spec, missing image, VM already running...). The CLI prints its
 * message as one line and exits non-zero, never with a stack trace. The message says what is wrong
 * and what to do.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
