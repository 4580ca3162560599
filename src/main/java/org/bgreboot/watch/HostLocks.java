package org.bgreboot.watch;

import java.util.Optional;

/**
 * One roller at a time per host: a watch takes its host's lock before it rolls VMs there and
 * gives it up after; another watch, or a manual reboot, finds it taken and leaves the host alone.
 */
public interface HostLocks {
    /** Takes the host's lock: empty when it is ours now, else who holds it. */
    Optional<String> take(String host);

    /** Whether the lock is still ours, extended now; false when it was lost (it expired and was taken). */
    boolean renew(String host);

    void release(String host);

    /** Who holds the host's lock now (ours too), for status and metrics. */
    Optional<String> holder(String host);
}
