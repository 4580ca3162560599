package org.bgreboot.installed;

import java.util.List;
import java.util.Optional;

/**
 * Whether a guest needs a reboot, and why, as the guest itself says it: Debian's flag file
 * ({@code /run/reboot-required}, written by unattended-upgrades' kernel hook), a newer kernel
 * installed than the one running (what its boot loader boots next), or an executable of the guest
 * package's {@code needs-reboot.d}.
 *
 * @param needed     whether any of those says so
 * @param running    the kernel release the guest runs ({@code uname -r})
 * @param nextBoot   the kernel release its boot loader boots next, where that can be told
 * @param flagged    whether {@code /run/reboot-required} exists
 * @param packages   the packages {@code /run/reboot-required.pkgs} names
 * @param reasons    every reason, one line each, for people and for JSON
 */
public record NeedsReboot(boolean needed, String running, Optional<String> nextBoot, boolean flagged, List<String> packages,
                          List<String> reasons) {

    public NeedsReboot {
        packages = List.copyOf(packages);
        reasons = List.copyOf(reasons);
    }

    /** One line: "yes: /run/reboot-required (linux-image-6.1.0-57-cloud-amd64)" or "no (runs 6.1.0-50, the newest installed)". */
    public String summary() {
        if (needed) {
            return "yes: " + String.join("; ", reasons);
        }
        return "no (runs " + running + nextBoot.filter(n -> n.equals(running)).map(n -> ", what its boot loader boots next").orElse("") + ")";
    }
}
