package org.bgreboot.fleet;

import java.util.Optional;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.output.BgShareJson;
import org.bgreboot.output.Figures;
import org.bgreboot.output.OutcomeFields;
import org.bgreboot.output.RebootJson;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Span;
import org.bgreboot.report.RebootMeasurement;

/**
 * A finished reboot of a roll, as its journal keeps it and its report shows it: how it ended, the
 * flow's figures, and what clients saw when it was measured. Times are ms on the roll's clock; NaN
 * where the reboot had no such part (a clone that never launched, a switch that never began).
 *
 * @param generation the generation serving afterwards
 * @param recovered  a resumed roll found this reboot interrupted and the VM's journal finished it (no figures then)
 */
public record VmFigures(OutcomeFields outcome, boolean recovered, double fgPauseMs, double bgReadyMs,
                        double switchMs, int generation, double rebootStartedMs, double rebootEndedMs, double cloneStartedMs,
                        double cloneReadyMs, double switchEndedMs, Optional<BgShareJson> bgShare, Optional<Clients> clients) {

    /**
     * What clients saw: their downtime, and when it began and ended on the roll's clock (NaN when
     * no new boot was seen), the longest time without an answer (what a cold boot cost them), and
     * where a background switch's downtime went (so that two VMs' figures are told apart by their parts).
     */
    public record Clients(double downtimeMs, double maxProbeGapMs, double timeToNewOsMs, int ackedWrites, int ackedWritesLost, String versionBefore,
                          String versionAfter, String kernelBefore, String kernelAfter, double downFromMs, double downToMs,
                          Optional<RebootJson.DowntimePartsJson> downtimeParts) {

        public Clients {
            downtimeParts = downtimeParts == null ? Optional.empty() : downtimeParts; // a journal written before the parts were kept
        }

        static Clients of(RebootMeasurement m) {
            DowntimeResult d = m.downtime();
            boolean seen = !Double.isNaN(d.lastOldMs()) && !Double.isNaN(d.firstNewMs());
            return new Clients(Figures.ms(d.downtimeMs()), Figures.ms(d.maxGapMs()), Figures.ms(d.timeToNewOsMs()), m.ledger().ackedCount(), m.ledger().missingAcked().size(),
                    d.versionBefore(), d.versionAfter(), d.kernelBefore(), d.kernelAfter(), seen ? Figures.ms(d.lastOldMs()) : Double.NaN,
                    seen ? Figures.ms(d.firstNewMs()) : Double.NaN, m.attribution().map(RebootJson.DowntimePartsJson::of));
        }
    }

    /** A measured reboot's figures. */
    static VmFigures of(RebootMeasurement m) {
        return of(m.reboot(), Optional.of(Clients.of(m)));
    }

    /** A reboot's own figures (the roll did not measure it). */
    static VmFigures of(RebootResult r) {
        return of(r, Optional.empty());
    }

    private static VmFigures of(RebootResult r, Optional<Clients> clients) {
        Span.Interval sw = r.spans().get(Span.SWITCH);
        return new VmFigures(OutcomeFields.of(r.outcome()), false, Figures.ms(r.fgPauseMs()), Figures.ms(r.bgReadyMs()), Figures.ms(r.switchMs()),
                r.generation(), Figures.ms(r.startMs()), Figures.ms(r.endMs()), Figures.ms(r.bgLaunchedAtMs()), Figures.ms(r.bgReadyAtMs()),
                sw == null ? Double.NaN : Figures.ms(sw.endMs()), r.bgShare().map(BgShareJson::of), clients);
    }

    /** A reboot that a resumed roll found interrupted and its journal recovered: how it ended, no figures. */
    static VmFigures recovered(Outcome o, int generation) {
        return new VmFigures(OutcomeFields.of(o), true, Double.NaN, Double.NaN, Double.NaN, generation, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Optional.empty(), Optional.empty());
    }

    /** A clone ran from its launch until its switch ended, or until its reboot ended when it was discarded. */
    double cloneEndedMs() {
        return Double.isNaN(switchEndedMs) ? rebootEndedMs : switchEndedMs;
    }

    double downtimeMs() {
        return clients.map(Clients::downtimeMs).orElse(Double.NaN);
    }
}
