package org.bgreboot.bench;

import java.util.List;
import java.util.Optional;

/**
 * One reboot of a soak and what was found right after it.
 *
 * @param downtimeMs      what the prober saw (NaN for an aborted reboot or when no new boot answered)
 * @param chainDepth      the longest backing chain of the VM's system disks after the reboot
 * @param qemuProcesses   live QEMU processes of the VM after the reboot (must be 1)
 * @param straySockets    sockets under the VM's state directory outside the serving QEMU's runtime directory (must be 0)
 * @param leftovers       what {@link org.bgreboot.vm.Leftovers} found (must be none)
 * @param qemuRssMiB      the serving QEMU's resident memory
 */
public record SoakReboot(int index, int generation, Optional<String> abortReason, double startMs, double endMs,
                         double downtimeMs, double bgReadyMs, double switchMs, int chainDepth, int qemuProcesses,
                         int straySockets, List<String> leftovers, double qemuRssMiB, double hostMemAvailableMiB) {

    public SoakReboot {
        leftovers = List.copyOf(leftovers);
    }

    public boolean aborted() {
        return abortReason.isPresent();
    }

    SoakReboot withDowntime(double ms) {
        return new SoakReboot(index, generation, abortReason, startMs, endMs, ms, bgReadyMs, switchMs, chainDepth,
                qemuProcesses, straySockets, leftovers, qemuRssMiB, hostMemAvailableMiB);
    }
}
