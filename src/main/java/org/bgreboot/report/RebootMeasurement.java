package org.bgreboot.report;

import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.LedgerCheckResult;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.WriteLog;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.RebootResult;

/**
 * One reboot seen from both sides: the flow's own timings ({@code reboot}) and what clients outside
 * the VM saw (probes, acknowledged writes, the ledger read back afterwards).
 *
 * @param writesDuringBgBoot acknowledged writes made while the clone booted (all must be in the ledger)
 */
public record RebootMeasurement(
        RebootResult reboot,
        DowntimeResult downtime,
        ProbeLog probes,
        WriteLog writes,
        LedgerCheckResult ledger,
        int writesDuringBgBoot) {

    public boolean noAckedWriteLost() {
        return ledger.noAckedWriteLost();
    }

    /** How the downtime splits into its parts; empty unless a background switch was seen. */
    public java.util.Optional<DowntimeAttribution> attribution() {
        return DowntimeAttribution.of(reboot, downtime, probes);
    }

    /**
     * From the moment the clone had the network (its link up, its ports or its tap on the bridge,
     * announced) to the first answer clients got from it; NaN without a background switch.
     */
    public double linkUpToFirstAnswerMs() {
        return reboot.step(Part.BG_TAKES_NETWORK).map(s -> downtime.firstNewMs() - s.endMs()).orElse(Double.NaN);
    }
}
