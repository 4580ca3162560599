package org.bgreboot.output;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.SwitchMode;
import org.bgreboot.reboot.TimedStep;
import org.bgreboot.report.DowntimeAttribution;
import org.bgreboot.report.RebootMeasurement;

/**
 * One reboot: the flow's own figures (ms; null where the method has no such part), and, when it
 * was measured, what clients saw ({@code clients}, written in place; absent when not measured).
 *
 * @param switchMode  how the clone took over (background reboots only)
 * @param bgShare     how the clone shared the host (background reboots only)
 * @param generation  the generation serving afterwards
 * @param serving     the instance serving afterwards, as its engine names it; null when none does
 * @param stepsMs     every timed part by its key; a part timed more than once (once per disk) is summed
 * @param keptState   what became of the services the guest names (reboot --keep-state); null when not asked
 */
public record RebootJson(
        String vm,
        String engine,
        Method method,
        Optional<SwitchMode> switchMode,
        @JsonUnwrapped OutcomeFields outcome,
        double fgPauseMs,
        double bgReadyMs,
        double switchMs,
        double installMs,
        Optional<DiskHandover> diskHandover,
        Optional<BgShareJson> bgShare,
        boolean fgStoppedAfterBgReady,
        int generation,
        Optional<String> serving,
        int chainDepth,
        Map<Part, Double> stepsMs,
        Optional<KeptStateJson> keptState,
        @JsonUnwrapped ClientsJson clients) {

    /** The flow's figures alone (a reboot without --measure). */
    public static RebootJson of(RebootResult r) {
        return of(r, null);
    }

    /** The flow's figures and what clients saw. */
    public static RebootJson of(RebootMeasurement m) {
        return of(m.reboot(), ClientsJson.of(m));
    }

    private static RebootJson of(RebootResult r, ClientsJson clients) {
        boolean bg = r.method() == Method.BACKGROUND;
        return new RebootJson(r.vm(), r.engine(), r.method(), bg ? Optional.of(r.switchMode()) : Optional.empty(), OutcomeFields.of(r.outcome()),
                Figures.ms(r.fgPauseMs()), bg ? Figures.ms(r.bgReadyMs()) : Double.NaN, Figures.ms(r.switchMs()), Figures.ms(r.installMs()),
                r.diskHandover(), r.bgShare().map(BgShareJson::of), r.fgStoppedAfterReady(), r.generation(), r.serving(), r.chainDepth(),
                stepsMs(r), r.keptState().map(KeptStateJson::of), clients);
    }

    /** Each part's time, summed over its repeats (one per disk), in the order the parts first ran. */
    public static Map<Part, Double> stepsMs(RebootResult r) {
        Map<Part, Double> steps = new LinkedHashMap<>();
        for (TimedStep s : r.steps()) {
            steps.merge(s.part(), s.ms(), Double::sum);
        }
        steps.replaceAll((p, ms) -> Figures.ms(ms));
        return steps;
    }

    /**
     * What clients outside the VM saw of the reboot.
     *
     * @param ackedWritesDuringBgBoot acknowledged writes made while the clone booted (background reboots only)
     * @param writeGapMs              the longest time without an acknowledged write
     * @param downtimeParts           where the downtime went (background switches only)
     */
    public record ClientsJson(double downtimeMs, double timeToNewOsMs, double linkUpToFirstAnswerMs, double maxProbeGapMs, int ackedWrites,
                              int ackedWritesLost, Optional<Integer> ackedWritesDuringBgBoot, double writeGapMs, String versionBefore,
                              String versionAfter, String kernelBefore, String kernelAfter, Optional<DowntimePartsJson> downtimeParts) {

        static ClientsJson of(RebootMeasurement m) {
            var d = m.downtime();
            boolean bg = m.reboot().method() == Method.BACKGROUND;
            return new ClientsJson(Figures.ms(d.downtimeMs()), Figures.ms(d.timeToNewOsMs()), Figures.ms(m.linkUpToFirstAnswerMs()),
                    Figures.ms(d.maxGapMs()), m.ledger().ackedCount(), m.ledger().missingAcked().size(),
                    bg ? Optional.of(m.writesDuringBgBoot()) : Optional.empty(), Figures.ms(m.writes().maxAckGapMs()), d.versionBefore(),
                    d.versionAfter(), d.kernelBefore(), d.kernelAfter(), m.attribution().map(DowntimePartsJson::of));
        }
    }

    /** A background switch's downtime by its parts (they add up to downtime_ms), and what failed in the window. */
    public record DowntimePartsJson(double beforeMoveMs, double networkMoveMs, double firstAnswerMs, Map<String, Integer> failedProbes,
                                    double slowestProbeMs) {
        public static DowntimePartsJson of(DowntimeAttribution a) {
            return new DowntimePartsJson(Figures.ms(a.beforeMoveMs()), Figures.ms(a.networkMoveMs()), Figures.ms(a.firstAnswerMs()),
                    a.failedProbes(), Figures.ms(a.slowestProbeMs()));
        }

        /** The parts in a few words, for a line that says why a downtime was long. */
        public String describe() {
            return String.format("before the move %.0f ms, the move %.0f ms, to the clone's first answer %.0f ms; slowest probe %.0f ms%s", beforeMoveMs,
                    networkMoveMs, firstAnswerMs, slowestProbeMs, failedProbes.isEmpty() ? "" : ", failed probes " + failedProbes);
        }
    }
}
