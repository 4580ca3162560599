package org.bgreboot.experiment.soak;

import java.util.List;
import java.util.Optional;

/**
 * One reboot of a soak and what was found right after it.
 *
 * @param downtimeMs      what the prober saw (NaN for an aborted reboot or when no new boot answered)
 * @param chainDepth      the longest backing chain of the VM's system disks after the reboot
 * @param instances       running instances of the VM after the reboot (must be 1)
 * @param leftovers       what the engine found that should not be there (must be none)
 */
public record SoakReboot(int index, int generation, Optional<String> abortReason, double startMs, double endMs,
                         double downtimeMs, double bgReadyMs, double switchMs, int chainDepth, int instances,
                         List<String> leftovers, double hostMemAvailableMiB) {

    public SoakReboot {
        leftovers = List.copyOf(leftovers);
    }

    public boolean aborted() {
        return abortReason.isPresent();
    }

    SoakReboot withDowntime(double ms) {
        return new SoakReboot(index, generation, abortReason, startMs, endMs, ms, bgReadyMs, switchMs, chainDepth,
                instances, leftovers, hostMemAvailableMiB);
    }
}
