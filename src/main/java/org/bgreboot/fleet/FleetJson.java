package org.bgreboot.fleet;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import java.util.Optional;
import org.bgreboot.output.BgShareJson;
import org.bgreboot.output.Figures;
import org.bgreboot.output.OutcomeFields;
import org.bgreboot.output.OutputJson;
import org.bgreboot.output.RebootJson;

/**
 * {@code bgreboot fleet --json}: a roll's report (docs/schema/fleet.schema.json). Times in ms;
 * per VM on the roll's clock, from its start; null where there is no such figure.
 *
 * @param maxDownAtOnce  the most VMs whose clients saw no answer at the same time
 * @param sumOfRebootsMs the reboots one after the other: the wall time is below it when hosts worked in parallel
 */
public record FleetJson(int schemaVersion, String roll, String journal, double wallMs, List<Host> hosts, List<Vm> vms, int parallel,
                        int maxUnavailable, OnFailure onFailure, double maxDowntimeMs, int maxDownAtOnce, double sumOfRebootsMs,
                        List<String> problems) {

    /** A host of the roll: whether it answered at the end, its VMs, the most clones it ran at once. */
    public record Host(String uri, boolean reachable, int vms, int maxClonesAtOnce) {}

    /**
     * One VM of the roll: where it stands ({@code result}), and once its reboot ended, how
     * ({@code outcome}, written in place; null for a VM whose reboot never ran) and its figures.
     *
     * @param recovered whether a resumed roll found its reboot interrupted and its journal finished it (no figures then)
     */
    public record Vm(String vm, String host, VmProgress.State result, Optional<String> detail, @JsonUnwrapped OutcomeFields outcome,
                     boolean recovered, double fgPauseMs, double bgReadyMs, double switchMs, double downtimeMs, double maxProbeGapMs,
                     double timeToNewOsMs,
                     Optional<Integer> ackedWrites, Optional<Integer> ackedWritesLost, Optional<String> versionBefore,
                     Optional<String> versionAfter, Optional<String> kernelAfter, double cloneStartedMs, double cloneReadyMs,
                     double switchEndedMs, double rebootStartedMs, double rebootEndedMs, double downFromMs, double downToMs,
                     Optional<Integer> generation, Optional<BgShareJson> bgShare, Optional<RebootJson.DowntimePartsJson> downtimeParts) {

        static Vm of(VmProgress p) {
            Optional<VmFigures> f = p.figures();
            Optional<VmFigures.Clients> c = f.flatMap(VmFigures::clients);
            double nan = Double.NaN;
            return new Vm(p.vm(), p.host(), p.state(), Optional.of(p.detail()).filter(d -> !d.isEmpty()),
                    f.map(VmFigures::outcome).orElse(OutcomeFields.NONE), f.map(VmFigures::recovered).orElse(false),
                    f.map(VmFigures::fgPauseMs).orElse(nan), f.map(VmFigures::bgReadyMs).orElse(nan), f.map(VmFigures::switchMs).orElse(nan),
                    c.map(VmFigures.Clients::downtimeMs).orElse(nan), c.map(VmFigures.Clients::maxProbeGapMs).orElse(nan),
                    c.map(VmFigures.Clients::timeToNewOsMs).orElse(nan),
                    c.map(VmFigures.Clients::ackedWrites), c.map(VmFigures.Clients::ackedWritesLost), c.map(VmFigures.Clients::versionBefore),
                    c.map(VmFigures.Clients::versionAfter), c.map(VmFigures.Clients::kernelAfter),
                    f.map(VmFigures::cloneStartedMs).orElse(nan), f.map(VmFigures::cloneReadyMs).orElse(nan),
                    f.map(VmFigures::switchEndedMs).orElse(nan), f.map(VmFigures::rebootStartedMs).orElse(nan),
                    f.map(VmFigures::rebootEndedMs).orElse(nan), c.map(VmFigures.Clients::downFromMs).orElse(nan),
                    c.map(VmFigures.Clients::downToMs).orElse(nan), f.map(VmFigures::generation), f.flatMap(VmFigures::bgShare),
                    c.flatMap(VmFigures.Clients::downtimeParts));
        }
    }

    static FleetJson of(FleetReport r, List<String> problems) {
        List<Host> hosts = r.hosts().stream().map(h -> new Host(h.uri(), h.reachable(), h.vms(), r.maxClonesPerHost().get(h.uri()))).toList();
        return new FleetJson(OutputJson.SCHEMA_VERSION, r.plan().id(), r.journal().toString(), Figures.ms(r.wallMs()), hosts,
                r.vms().stream().map(Vm::of).toList(), r.plan().parallel(), r.plan().maxUnavailable(), r.plan().onFailure(),
                Figures.ms(r.maxDowntimeMs()), r.maxDownAtOnce(), Figures.ms(r.sumOfRebootsMs()), problems);
    }
}
