package org.bgreboot.reboot;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.jsonwire.WireTimeoutException;
import org.bgreboot.spec.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest's side of the persistent disk's way from the old VM to the new one: the release hook
 * in FG leaves nothing unsynced (or, with no hook, the filesystems are frozen); the attach hook in
 * the new VM mounts the disk and starts what uses it. The host's side (which instance has the disk
 * open) is the engine's: only after FG is stopped is the disk given to the clone.
 */
final class PersistentDiskHandover {
    /** The armed attach hook is polled this often: the downtime ends when it does. */
    private static final long ARMED_POLL_MILLIS = 5;
    /**
     * BGREBOOT_TRACE set for bgreboot: the hooks run with it too (through env, one fork more) and
     * what they trace (each step with the guest's seconds since boot) is logged, to tell where a
     * switch's milliseconds go inside the guest.
     */
    private static final boolean TRACE = !System.getenv().getOrDefault("BGREBOOT_TRACE", "").isEmpty();
    private static final Logger log = LoggerFactory.getLogger(PersistentDiskHandover.class);

    private final VmSpec.Hooks hooks;
    private final VmSpec.SwitchPolicy.Release releaseBy;
    /** The persistent disk's mountpoints in FG, found before the switch; empty: freeze them all. */
    private Optional<List<String>> mounts = Optional.empty();

    PersistentDiskHandover(VmSpec spec) {
        this.hooks = spec.hooks();
        this.releaseBy = spec.hooks().release().isEmpty() ? VmSpec.SwitchPolicy.Release.FREEZE : spec.switchPolicy().release();
    }

    /**
     * Released by freezing the disk's filesystem: one agent call, and then everything acknowledged
     * is on the disk and the filesystem is clean for the clone to mount. Writers in FG block on it
     * until FG is gone, so nothing more is acknowledged. The release hook instead stops services
     * (its release.d) and unmounts: for guests whose services must be stopped first.
     */
    boolean releasesByFreeze() {
        return releaseBy == VmSpec.SwitchPolicy.Release.FREEZE;
    }

    /** Looks up, before the switch, which of FG's filesystems the release freezes. */
    void findMounts(GuestAgent fg, String serial) {
        if (releasesByFreeze()) {
            mounts = GuestMounts.persistent(fg, serial, hooks.timeout());
        }
    }

    /** In the old VM: stop using the disk (freeze it, or the release hook). */
    void release(GuestAgent old) {
        if (!releasesByFreeze()) {
            runHook(old, hooks.release(), "release");
        } else if (mounts.isPresent()) {
            old.fsfreezeFreeze(mounts.get(), hooks.timeout());
        } else {
            old.fsfreezeFreeze(hooks.timeout()); // the disk cannot be told apart: every filesystem, as before the clone
        }
    }

    /** Rollback of {@link #release} in the old VM, when the switch is abandoned before FG is stopped. */
    void unrelease(GuestAgent old) {
        old.fsfreezeThaw(hooks.timeout()); // a release that froze, or a hook that froze what stayed busy
        if (!releasesByFreeze() && !hooks.attach().isEmpty()) {
            runHook(old, hooks.attach(), "attach");
        }
    }

    /**
     * Starts the attach hook in the new guest before the disk is given to it: the hook waits for
     * the disk to appear, so when it does, only the mount is left to do.
     */
    Optional<GuestAgent.RunningCommand> armAttach(GuestAgent next) {
        return hooks.attach().isEmpty() ? Optional.empty() : Optional.of(next.start(traced(hooks.attach()), hooks.timeout()));
    }

    /**
     * In the new guest: mount the disk and start what uses it. An armed hook is awaited; one that
     * failed (it gave up waiting for a disk that came late, say) is run once more, now that the
     * disk is there, and that one is retried once before the failure is final.
     */
    void attach(GuestAgent next, Optional<GuestAgent.RunningCommand> armed) {
        if (hooks.attach().isEmpty()) {
            return;
        }
        if (armed.isPresent() && traced(armed.get().await(hooks.timeout(), ARMED_POLL_MILLIS), "attach").ok()) {
            return;
        }
        try {
            runHook(next, hooks.attach(), "attach");
        } catch (IllegalStateException e) {
            runHook(next, hooks.attach(), "attach");
        }
    }

    /**
     * Runs a hook to its end. One that outlives its timeout is killed in the guest (the agent of
     * QEMU 7.2 cannot do it), so a hung release does not keep the disk busy behind a rollback.
     */
    private void runHook(GuestAgent agent, List<String> argv, String name) {
        GuestAgent.RunningCommand hook = agent.start(traced(argv), hooks.timeout());
        ExecResult r;
        try {
            r = traced(hook.await(hooks.timeout()), name);
        } catch (WireTimeoutException e) {
            try {
                agent.exec(List.of("kill", "-KILL", String.valueOf(hook.pid())), Duration.ofSeconds(10));
            } catch (RuntimeException killFailed) {
                e.addSuppressed(killFailed);
            }
            throw new IllegalStateException("the guest's " + name + " hook " + String.join(" ", argv) + " did not finish within "
                    + hooks.timeout().toSeconds() + " s and was killed", e);
        }
        if (!r.ok()) {
            throw new IllegalStateException("the guest's " + name + " hook " + String.join(" ", argv) + " failed ("
                    + r.status() + "): " + r.stderrText().strip());
        }
    }

    private static List<String> traced(List<String> argv) {
        if (!TRACE) {
            return argv;
        }
        return java.util.stream.Stream.concat(java.util.stream.Stream.of("/usr/bin/env", "BGREBOOT_TRACE=1"), argv.stream()).toList();
    }

    private static ExecResult traced(ExecResult r, String name) {
        if (TRACE) {
            log.info("the guest's {} hook traced (seconds since its boot):\n{}", name, r.stderrText().strip());
        }
        return r;
    }
}
