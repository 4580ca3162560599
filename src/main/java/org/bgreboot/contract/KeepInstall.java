package org.bgreboot.contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.Progress;
import org.bgreboot.Sleep;
import org.bgreboot.UserError;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.engine.Instance;
import org.bgreboot.keep.GuestKeep;
import org.bgreboot.keep.KeptUnit;

/**
 * Installs bgreboot-keep in a running Debian-family guest that has bgreboot-guest, through its
 * agent alone (the guest needs no package mirror): its dpkg status is read, the packages it lacks
 * for criu and nftables are resolved against it on the host ({@code guest/keep/bundle.sh}) and
 * pushed, then apt installs them from those files, in a transient unit polled from here (apt takes
 * longer than an agent call waits; minutes under TCG). Services named with their keep.d entries
 * are set up and restarted once, so that they run under bgreboot-keep; nothing else restarts.
 */
public final class KeepInstall {
    private static final String PUSHED = "/var/tmp/bgreboot-keep";
    private static final String UNIT = "bgreboot-keep-install";
    private static final Duration APT = Duration.ofMinutes(30);

    /**
     * @param services keep.d entries to put in the guest, each set up and restarted (the file's name is the service's)
     * @param bundle   the .debs the guest needs, given its dpkg status (a file on the host)
     */
    public record Request(List<Path> services, java.util.function.Function<Path, List<Path>> bundle) {}

    /** What was installed: the packages pushed, how long each part took, and the services as the guest keeps them now. */
    public record Result(List<String> packages, double pushMs, double aptMs, String criu, List<KeptUnit> services) {}

    private KeepInstall() {}

    public static Result run(Instance vm, Request r, Progress progress) {
        GuestShell sh = new GuestShell(vm.agent());
        for (Path f : r.services()) {
            if (!Files.isRegularFile(f) || !f.getFileName().toString().matches("[A-Za-z0-9][A-Za-z0-9_.@-]*")) {
                throw new UserError("--keep-service " + f + ": give a keep.d entry, a file named after its service (see guest/keep/examples/postgresql)");
            }
            try {
                if (Files.readAllLines(f).stream().noneMatch(l -> l.strip().matches("UNIT=\\S+"))) {
                    throw new UserError("--keep-service " + f + " names no UNIT=: write the service's systemd unit there (UNIT=postgresql@15-main.service)");
                }
            } catch (IOException e) {
                throw new UserError("cannot read " + f + ": " + e.getMessage());
            }
        }
        if (!sh.ok("/bin/sh", "-c", "dpkg-query -W -f='${Status}' bgreboot-guest 2>/dev/null | grep -q 'install ok installed'")) {
            throw new UserError("the guest has no bgreboot-guest, which bgreboot-keep needs: run 'bgreboot guest install' first");
        }
        String status = sh.read("/var/lib/dpkg/status");
        if (status.isBlank()) {
            throw new UserError("the guest's /var/lib/dpkg/status cannot be read through its agent (guest-file-open): is it Debian-family?");
        }
        List<Path> debs;
        Path statusFile;
        try {
            statusFile = Files.createTempFile("bgreboot-dpkg-status", "");
            Files.writeString(statusFile, status);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            progress.step("resolving criu, nftables and what they need against the guest's installed packages");
            debs = r.bundle().apply(statusFile);
        } finally {
            try {
                Files.deleteIfExists(statusFile);
            } catch (IOException ignored) {
                // a temp file
            }
        }

        long t0 = System.nanoTime();
        must(sh.run("/bin/sh", "-c", "rm -rf " + PUSHED + " && mkdir -p " + PUSHED), "making " + PUSHED);
        long bytes = 0;
        for (Path d : debs) {
            try (InputStream in = Files.newInputStream(d)) {
                vm.agent().writeFile(PUSHED + "/" + d.getFileName(), in, Duration.ofSeconds(60));
                bytes += Files.size(d);
            } catch (IOException e) {
                throw new UserError("cannot read " + d + ": " + e.getMessage());
            }
        }
        double pushMs = (System.nanoTime() - t0) / 1e6;
        progress.step(String.format("pushed %d packages (%.1f MB) in %.1f s", debs.size(), bytes / 1e6, pushMs / 1000));

        long t1 = System.nanoTime();
        progress.step("installing them with apt in the guest (a transient unit " + UNIT + "; minutes under TCG)");
        sh.ok("systemctl", "reset-failed", UNIT + ".service");
        must(sh.run("systemd-run", "--unit", UNIT, "--collect", "/bin/sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                + PUSHED + "/*.deb > " + PUSHED + "/apt.log 2>&1 < /dev/null; echo $? > " + PUSHED + "/apt.rc"), "systemd-run apt-get");
        long deadline = System.nanoTime() + APT.toNanos();
        String rc = "";
        long said = 0;
        while (rc.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("apt-get in the guest has not finished after " + APT.toMinutes() + " min: see " + PUSHED + "/apt.log there");
            }
            Sleep.ms(5_000);
            rc = sh.read(PUSHED + "/apt.rc").strip();
            long s = (System.nanoTime() - t1) / 1_000_000_000L;
            if (s - said >= 30) {
                progress.step("  apt-get still installing (" + s + " s)");
                said = s;
            }
        }
        if (!rc.equals("0")) {
            String log = sh.run("tail", "-n", "5", PUSHED + "/apt.log").stdoutText().strip();
            throw new IllegalStateException("apt-get install in the guest failed (exit " + rc + "): " + log.replace('\n', ' '));
        }
        double aptMs = (System.nanoTime() - t1) / 1e6;
        sh.ok("rm", "-rf", PUSHED);
        progress.step(String.format("installed in %.1f s", aptMs / 1000));

        for (Path f : r.services()) {
            String name = f.getFileName().toString();
            progress.step("keeping " + name + ": /etc/bgreboot/keep.d/" + name + ", set up and restarted once, to run under bgreboot-keep");
            try (InputStream in = Files.newInputStream(f)) {
                must(sh.run("mkdir", "-p", "/etc/bgreboot/keep.d"), "mkdir /etc/bgreboot/keep.d");
                vm.agent().writeFile("/etc/bgreboot/keep.d/" + name, in, Duration.ofSeconds(60));
            } catch (IOException e) {
                throw new UserError("cannot read " + f + ": " + e.getMessage());
            }
            must(sh.run("chmod", "644", "/etc/bgreboot/keep.d/" + name), "chmod");
            must(sh.run(GuestKeep.PROGRAM, "setup", "--restart", name), "bgreboot-keep setup --restart " + name);
        }
        String criu = sh.run("criu", "--version").stdoutText().lines().findFirst().orElse("").strip();
        List<KeptUnit> units = new GuestKeep(vm.agent()).list(Duration.ofSeconds(30)).orElse(List.of());
        List<String> names = new ArrayList<>(debs.stream().map(d -> d.getFileName().toString()).toList());
        return new Result(names, pushMs, aptMs, criu, units);
    }

    private static void must(ExecResult r, String what) {
        if (!r.ok()) {
            throw new IllegalStateException(what + " failed in the guest (" + r.status() + "): "
                    + r.stderrText().strip().lines().reduce((a, b) -> b).orElse(r.stdoutText().strip()));
        }
    }
}
