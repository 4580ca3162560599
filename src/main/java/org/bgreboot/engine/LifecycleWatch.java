package org.bgreboot.engine;

import java.util.Optional;

/**
 * Watches an instance for what means its guest will never become ready: it exited, panicked,
 * shut down or reset, or was stopped on a failed disk write. Readiness fails fast on it.
 */
public interface LifecycleWatch extends AutoCloseable {
    /** Why the guest can no longer become ready, once that is known. */
    Optional<String> fatal();

    @Override void close();
}
