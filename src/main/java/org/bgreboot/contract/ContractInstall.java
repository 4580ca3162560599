package org.bgreboot.contract;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.MountedFs;
import org.bgreboot.engine.Instance;

/**
 * Makes a running Debian-family guest meet the contract: pushes the bgreboot-guest package through
 * the agent and installs it (it restarts nothing), writes its configuration for the persistent
 * disk, and adds the disk to /etc/fstab with {@code nofail} when it is not there. Everything is
 * checked before anything is changed, so a refusal leaves the guest as it was.
 */
public final class ContractInstall {
    private static final String PUSHED = "/var/tmp/bgreboot-guest.deb";

    /** What to install for: the persistent disk's serial and where it is mounted. */
    public record Request(String serial, String mount) {}

    private ContractInstall() {}

    public static void run(Instance vm, Path deb, Request r, Progress progress) {
        GuestShell sh = new GuestShell(vm.agent());
        try {
            vm.agent().sync(Duration.ofSeconds(5));
            vm.agent().ping(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            throw new UserError("the guest agent does not answer (" + e.getMessage() + "): guest install goes through it; install "
                    + "qemu-guest-agent in the guest and give the VM a port named org.qemu.guest_agent.0");
        }
        String osRelease = sh.read("/etc/os-release");
        if (!debianFamily(osRelease) || !sh.ok("test", "-x", "/usr/bin/dpkg")) {
            throw new UserError("the guest is not Debian-family (" + field(osRelease, "PRETTY_NAME") + "): its package cannot be installed "
                    + "there; install the hooks by hand (guest/README.md)");
        }
        if (rootReadOnly(sh.read("/proc/mounts"))) {
            throw new UserError("the guest's root filesystem is mounted read-only: nothing can be installed; remount it read-write first");
        }
        String disk = sh.diskWithSerial(r.serial());
        if (disk.isEmpty()) {
            throw new UserError("no disk in the guest has the serial " + r.serial() + ": give the persistent disk that serial, or pass "
                    + "the one it has with --persistent-serial");
        }
        List<MountedFs> fs = vm.agent().fsInfo(Duration.ofSeconds(30));
        for (MountedFs f : fs) {
            boolean ours = f.disks().stream().anyMatch(d -> r.serial().equals(d.serial()) || disk.equals(d.dev()));
            if (f.mountpoint().equals(r.mount()) && !ours) {
                throw new UserError(r.mount() + " is already where another filesystem is mounted (" + f.type() + "): choose another --mount");
            }
        }
        String fstype = sh.run("blkid", "-o", "value", "-s", "TYPE", disk).stdoutText().strip();
        if (fstype.isEmpty()) {
            throw new UserError("the disk " + disk + " (serial " + r.serial() + ") has no filesystem: make one (mkfs.ext4) before installing");
        }

        progress.step("pushing " + deb.getFileName() + " into the guest");
        try {
            vm.agent().writeFile(PUSHED, new ByteArrayInputStream(Files.readAllBytes(deb)));
        } catch (IOException e) {
            throw new UserError("cannot read " + deb + ": " + e.getMessage());
        }
        try {
            progress.step("installing it (dpkg -i): nothing is restarted");
            must(sh.run("dpkg", "-i", PUSHED), "dpkg -i");
            must(sh.run("/usr/sbin/bgreboot-setup", "--serial", r.serial(), "--mount", r.mount(), "--fstype", fstype), "bgreboot-setup");
        } finally {
            sh.ok("rm", "-f", PUSHED);
        }
        // noauto: the boot unit mounts it; a clone boots without it (or with an empty device) and must not wait or fail
        String fstab = sh.read("/etc/fstab");
        if (ContractCheck.fstabLine(fstab, r.mount()).isEmpty()) {
            String line = "/dev/disk/by-id/virtio-" + r.serial() + " " + r.mount() + " " + fstype + " defaults,noauto,nofail 0 2";
            progress.step("adding to /etc/fstab: " + line);
            must(sh.run("/bin/sh", "-c", "printf '%s\\n' \"$1\" >> /etc/fstab", "sh", line), "appending to /etc/fstab");
        } else if (!ContractCheck.withNoauto(fstab, r.mount()).equals(fstab)) {
            progress.step("making the /etc/fstab line of " + r.mount() + " noauto,nofail");
            vm.agent().writeFile("/etc/fstab.bgreboot", new ByteArrayInputStream(
                    ContractCheck.withNoauto(fstab, r.mount()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            must(sh.run("/bin/sh", "-c", "chmod 644 /etc/fstab.bgreboot && mv /etc/fstab.bgreboot /etc/fstab && "
                    + "(systemctl daemon-reload 2>/dev/null || true)"), "rewriting /etc/fstab");
        }
        boolean mounted = vm.agent().fsInfo(Duration.ofSeconds(30)).stream().anyMatch(f -> f.mountpoint().equals(r.mount()));
        if (!mounted) {
            progress.step("mounting " + disk + " on " + r.mount());
            must(sh.run("/usr/sbin/bgreboot-attach", "--boot"), "bgreboot-attach --boot");
        }
    }

    private static void must(ExecResult r, String what) {
        if (!r.ok()) {
            throw new IllegalStateException(what + " failed in the guest (" + r.status() + "): "
                    + r.stderrText().strip().lines().reduce((a, b) -> b).orElse(r.stdoutText().strip()));
        }
    }

    static boolean debianFamily(String osRelease) {
        String id = field(osRelease, "ID");
        String like = field(osRelease, "ID_LIKE");
        return id.equals("debian") || id.equals("ubuntu") || like.contains("debian");
    }

    static boolean rootReadOnly(String procMounts) {
        return procMounts.lines().map(l -> l.split(" ")).filter(f -> f.length >= 4 && f[1].equals("/") && !f[0].equals("rootfs"))
                .reduce((a, b) -> b).map(f -> List.of(f[3].split(",")).contains("ro")).orElse(false);
    }

    static String field(String osRelease, String key) {
        return osRelease.lines().filter(l -> l.startsWith(key + "=")).findFirst()
                .map(l -> l.substring(key.length() + 1).replace("\"", "")).orElse("unknown");
    }
}
