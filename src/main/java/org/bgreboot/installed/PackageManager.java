package org.bgreboot.installed;

import java.time.Duration;
import java.util.List;
import org.bgreboot.Sleep;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;

/**
 * Whether the guest's package manager is at work: a clone point cut while dpkg unpacks must never
 * be booted. dpkg holds POSIX locks on its lock files while it runs; the kernel lists them in
 * {@code /proc/locks} by inode, which the guest's shell can match without any tool of ours.
 */
public final class PackageManager {
    static final String BUSY_SCRIPT = String.join("\n",
            "for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock; do",
            "  [ -e \"$f\" ] || continue",
            "  i=$(stat -c %i \"$f\" 2>/dev/null) || continue",
            "  grep -q \":$i \" /proc/locks && { echo \"$f\"; exit 0; }",
            "done",
            "exit 1");

    private PackageManager() {}

    /** The dpkg lock file held now, if one is (a guest without dpkg never is). */
    public static java.util.Optional<String> busy(GuestAgent agent, Duration timeout) {
        ExecResult r = agent.exec(List.of("/bin/sh", "-c", BUSY_SCRIPT), timeout);
        return r.exitCode() == 0 ? java.util.Optional.of(r.stdoutText().strip()) : java.util.Optional.empty();
    }

    /**
     * Waits, at most {@code limit}, until dpkg is idle in the guest.
     *
     * @throws PackageManagerBusy when it still runs after {@code limit}
     */
    public static void awaitIdle(GuestAgent agent, Duration limit, Runnable onWait) {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean told = false;
        while (true) {
            java.util.Optional<String> held = busy(agent, Duration.ofSeconds(10));
            if (held.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new PackageManagerBusy("the guest's package manager still holds " + held.get() + " after " + limit.toSeconds()
                        + " s: a clone point cut while dpkg runs could not boot; try again once it has finished");
            }
            if (!told) {
                onWait.run();
                told = true;
            }
            Sleep.ms(1000);
        }
    }

    /** dpkg ran through the wait's whole limit, or began at the clone point. */
    public static final class PackageManagerBusy extends RuntimeException implements org.bgreboot.ExplainedFailure {
        public PackageManagerBusy(String message) {
            super(message);
        }
    }
}
