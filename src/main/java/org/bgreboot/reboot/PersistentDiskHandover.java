package org.bgreboot.reboot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.vm.QemuCommand;
import org.bgreboot.vm.VmSpec;

/**
 * The persistent disk's way from the old VM to the new one. The guest's release hook leaves nothing
 * unsynced (or, with no hook, the filesystems are frozen); only after the old QEMU has exited is
 * the disk opened by the new one, so it is never open read-write in two processes — QEMU's image
 * locking would refuse, and never has to.
 */
final class PersistentDiskHandover {
    static final Duration HOOK_TIMEOUT = Duration.ofSeconds(60);
    /** The armed attach hook is polled this often: the downtime ends when it does. */
    private static final long ARMED_POLL_MILLIS = 5;

    private final VmSpec spec;

    PersistentDiskHandover(VmSpec spec) {
        this.spec = spec;
    }

    /** In the old VM: stop using the disk (the release hook, or with none, fsfreeze). */
    void release(GuestAgent old) {
        if (spec.hooks().release().isEmpty()) {
            old.fsfreezeFreeze(HOOK_TIMEOUT);
        } else {
            runHook(old, spec.hooks().release(), "release");
        }
    }

    /** Rollback of {@link #release} in the old VM, when the switch is abandoned before FG is killed. */
    void unrelease(GuestAgent old, boolean frozen) {
        if (frozen) {
            old.fsfreezeThaw(HOOK_TIMEOUT);
        } else if (!spec.hooks().attach().isEmpty()) {
            runHook(old, spec.hooks().attach(), "attach");
        }
    }

    /** In the new QEMU: open the image and hot-plug the disk with the same serial. */
    void plug(QmpClient next) {
        VmSpec.PersistentDisk p = spec.persistentDisk();
        next.execute("blockdev-add", Map.of("driver", "file", "filename", p.path().toString(),
                "node-name", QemuCommand.PERSIST_FILE_NODE));
        next.execute("blockdev-add", Map.of("driver", p.format(), "file", QemuCommand.PERSIST_FILE_NODE,
                "node-name", QemuCommand.PERSIST_NODE));
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("driver", "virtio-blk-pci");
        dev.put("id", QemuCommand.PERSIST_DEVICE);
        dev.put("drive", QemuCommand.PERSIST_NODE);
        dev.put("serial", p.serial());
        if (QemuCommand.q35(spec)) {
            dev.put("bus", QemuCommand.PERSIST_PORT);
        }
        next.execute("device_add", dev);
    }

    /**
     * Starts the attach hook in the new guest before the disk is plugged: the hook waits for the
     * disk to appear, so when it does, only the mount is left to do.
     */
    Optional<GuestAgent.RunningCommand> armAttach(GuestAgent next) {
        return spec.hooks().attach().isEmpty() ? Optional.empty() : Optional.of(next.start(spec.hooks().attach(), HOOK_TIMEOUT));
    }

    /** In the new guest: mount the disk and start what uses it (waiting for an armed hook, if any). */
    void attach(GuestAgent next, Optional<GuestAgent.RunningCommand> armed) {
        if (spec.hooks().attach().isEmpty()) {
            return;
        }
        if (armed.isPresent()) {
            ExecResult r = armed.get().await(HOOK_TIMEOUT, ARMED_POLL_MILLIS);
            if (r.ok()) {
                return;
            }
            // e.g. it gave up waiting for a disk that came late: once more, now that it is there
        }
        runHook(next, spec.hooks().attach(), "attach");
    }

    private static void runHook(GuestAgent agent, List<String> argv, String name) {
        ExecResult r = agent.exec(argv, HOOK_TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException("the guest's " + name + " hook " + String.join(" ", argv) + " failed ("
                    + r.status() + "): " + r.stderrText().strip());
        }
    }
}
