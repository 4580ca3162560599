package org.bgreboot.watch;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.bgreboot.installed.NeedsReboot;

/**
 * What a guest would reboot into, as far as it says: the kernel its boot loader boots next, the
 * packages {@code /run/reboot-required.pkgs} names, and every reason it gives. Two answers with
 * equal values are the same update: a VM whose reboot into one failed is not tried again until
 * its update is another.
 */
public record PendingUpdate(@JsonProperty("next_boot_kernel") String nextBoot, List<String> packages, List<String> reasons) {
    public PendingUpdate {
        nextBoot = nextBoot == null ? "" : nextBoot;
        packages = packages == null ? List.of() : List.copyOf(packages.stream().sorted().toList());
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    public static PendingUpdate of(NeedsReboot n) {
        return new PendingUpdate(n.nextBoot().orElse(""), n.packages(), n.reasons());
    }

    public String describe() {
        return reasons.isEmpty() ? (nextBoot.isEmpty() ? "nothing" : "boots " + nextBoot + " next") : String.join("; ", reasons);
    }
}
