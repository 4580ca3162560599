package org.bgreboot.ready;

import java.time.Duration;

/**
 * One readiness condition of a booting guest, in the manner of Testcontainers' wait strategies:
 * small, composable, polled by {@link Readiness} under one shared timeout.
 */
public interface ReadyCheck {
    /** Short text for progress and errors, e.g. {@code agent answers}. */
    String description();

    /**
     * One attempt, blocking at most about {@code budget}. True when the condition holds; false (or
     * an exception) means "not yet" and it will be tried again until the deadline.
     */
    boolean attempt(ReadyTarget target, Duration budget);
}
