package org.bgreboot.installed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;

/**
 * Asks a running guest, through its agent and nothing else, what it runs, what it has installed
 * and whether it needs a reboot: one shell script, one round trip (each costs tens of ms under TCG).
 */
public final class InstalledProbe {
    /** Prints key=value lines; every path is optional, so the script works on any Linux guest with a /bin/sh. */
    static final String SCRIPT = String.join("\n",
            "echo \"running=$(uname -r)\"",
            "[ -e /run/reboot-required ] && echo flag=1",
            "[ -r /run/reboot-required.pkgs ] && sed 's/^/pkg=/' /run/reboot-required.pkgs",
            "for k in /boot/vmlinuz-*; do [ -e \"$k\" ] && echo \"kernel=${k#/boot/vmlinuz-}\"; done",
            // what GRUB boots first: the first linux line of grub.cfg, a symlink resolved (Debian's /vmlinuz)
            "if [ -r /boot/grub/grub.cfg ]; then",
            "  p=$(sed -n 's/^[[:space:]]*linux[[:space:]][[:space:]]*\\([^[:space:]]*\\).*/\\1/p' /boot/grub/grub.cfg | head -n 1)",
            "  [ -n \"$p\" ] && [ ! -e \"$p\" ] && [ -e \"/boot$p\" ] && p=/boot$p",
            "  [ -n \"$p\" ] && [ -e \"$p\" ] && echo \"grub=$(readlink -f \"$p\")\"",
            "fi",
            "for x in /etc/bgreboot/needs-reboot.d/*; do",
            "  [ -x \"$x\" ] || continue",
            "  out=$(\"$x\" 2>&1); rc=$?",
            "  echo \"hook=$rc ${x##*/} $(printf '%s' \"$out\" | head -n 1)\"",
            "done",
            "true");

    private InstalledProbe() {}

    public static NeedsReboot ask(GuestAgent agent, Duration timeout) {
        ExecResult r = agent.exec(List.of("/bin/sh", "-c", SCRIPT), timeout);
        if (!r.ok()) {
            throw new IllegalStateException("the guest could not say what it has installed (" + r.status() + "): " + r.stderrText().strip());
        }
        return parse(r.stdoutText());
    }

    /** Reads the script's lines into the answer. */
    static NeedsReboot parse(String out) {
        String running = "";
        boolean flagged = false;
        List<String> packages = new ArrayList<>();
        List<String> kernels = new ArrayList<>();
        Optional<String> grub = Optional.empty();
        List<String> hookReasons = new ArrayList<>();
        for (String line : out.lines().toList()) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1).strip();
            switch (key) {
                case "running" -> running = value;
                case "flag" -> flagged = true;
                case "pkg" -> {
                    if (!value.isEmpty() && !packages.contains(value)) {
                        packages.add(value);
                    }
                }
                case "kernel" -> kernels.add(value);
                case "grub" -> grub = releaseOf(value);
                case "hook" -> {
                    String[] f = value.split(" ", 3);
                    if (f.length >= 2 && f[0].equals("0")) {
                        hookReasons.add("needs-reboot.d/" + f[1] + (f.length == 3 && !f[2].isBlank() ? ": " + f[2] : ""));
                    }
                }
                default -> { }
            }
        }
        Optional<String> next = grub.or(() -> KernelVersions.newest(kernels));
        List<String> reasons = new ArrayList<>();
        if (flagged) {
            reasons.add("/run/reboot-required" + (packages.isEmpty() ? "" : " (" + String.join(", ", packages) + ")"));
        }
        String run = running;
        next.filter(n -> !n.equals(run)).ifPresent(n -> reasons.add("kernel " + n + " is installed, " + run + " runs"));
        reasons.addAll(hookReasons);
        return new NeedsReboot(!reasons.isEmpty(), running, next, flagged, packages, reasons);
    }

    /** {@code /boot/vmlinuz-6.1.0-57-cloud-amd64} -> {@code 6.1.0-57-cloud-amd64}. */
    private static Optional<String> releaseOf(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.startsWith("vmlinuz-") ? Optional.of(name.substring("vmlinuz-".length())) : Optional.empty();
    }
}
