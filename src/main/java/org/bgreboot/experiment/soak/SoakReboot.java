package org.bgreboot.experiment.soak;

import java.util.List;
import java.util.Optional;
import org.bgreboot.reboot.BgShareReport;
import org.bgreboot.reboot.Outcome;

/**
 * One reboot of a soak and what was found right after it.
 *
 * @param outcome         how it ended: only a switch counts as a background reboot
 * @param downtimeMs      what the prober saw (NaN for an aborted reboot or when no new boot answered)
 * @param maxProbeGapMs   the longest time without an answer around it: what a cold boot cost clients (NaN for an aborted reboot)
 * @param chainDepth      the longest backing chain of the VM's system disks after the reboot
 * @param instances       running instances of the VM after the reboot (must be 1)
 * @param leftovers       what the engine found that should not be there (must be none)
 * @param bgShare         how the clone shared the host, asked and effective
 */
public record SoakReboot(int index, int generation, Outcome outcome, double startMs, double endMs,
                         double downtimeMs, double maxProbeGapMs, double bgReadyMs, double switchMs, int chainDepth, int instances,
                         List<String> leftovers, double hostMemAvailableMiB, Optional<BgShareReport> bgShare) {

    public SoakReboot {
        leftovers = List.copyOf(leftovers);
    }

    public boolean aborted() {
        return outcome.kind() == Outcome.Kind.ABORTED;
    }

    /** The switch failed and the updated disks were cold-booted: reported, never counted as a background reboot. */
    public boolean fellBack() {
        return outcome.kind() == Outcome.Kind.COLD_BOOTED;
    }

    /** The clone took over: the only reboot whose downtime is a background reboot's. */
    public boolean switched() {
        return outcome.kind() == Outcome.Kind.SWITCHED;
    }

    SoakReboot withDowntime(double ms, double maxGapMs) {
        return new SoakReboot(index, generation, outcome, startMs, endMs, ms, maxGapMs, bgReadyMs, switchMs, chainDepth,
                instances, leftovers, hostMemAvailableMiB, bgShare);
    }
}
