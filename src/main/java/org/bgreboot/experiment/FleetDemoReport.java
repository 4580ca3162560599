package org.bgreboot.experiment;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.fleet.FleetJson;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.VmFigures;
import org.bgreboot.fleet.VmProgress;

/** The fleet demo's report and what it must show: every VM on the update, nothing lost, short downtimes, bounded clones, hosts in parallel. */
public record FleetDemoReport(FleetReport roll, int hosts, int perHost, String newVersion, String newKernel) {
    static final double MAX_DOWNTIME_MS = 1000;

    /**
     * {@code demo --fleet HxV --json}: the roll's report (docs/schema/fleet.schema.json) with the
     * demo's shape and the demo's problems.
     *
     * @param fleet the shape, {@code HOSTSxVMS}
     */
    public record Json(@JsonUnwrapped FleetJson roll, String engine, String fleet) {}

    public List<String> problems() {
        List<String> p = new ArrayList<>(roll.problems());
        for (VmProgress vm : roll.vms()) {
            Optional<VmFigures.Clients> seen = vm.figures().flatMap(VmFigures::clients);
            if (seen.isPresent() && seen.get().ackedWritesLost() > 0) {
                p.add(vm.vm() + " lost " + seen.get().ackedWritesLost() + " acknowledged writes");
            }
            double downtime = seen.map(VmFigures.Clients::downtimeMs).orElse(Double.NaN);
            if (!(downtime < MAX_DOWNTIME_MS)) {
                p.add(vm.vm() + ": downtime " + (Double.isNaN(downtime) ? "unmeasured" : String.format("%.1f ms", downtime)) + ", not under "
                        + (int) MAX_DOWNTIME_MS + " ms" + seen.flatMap(VmFigures.Clients::downtimeParts).map(d -> " (" + d.describe() + ")").orElse(""));
            }
        }
        if (serving() != hosts * perHost) {
            p.add(serving() + " of " + hosts * perHost + " VMs serve " + newVersion + " on " + newKernel);
        }
        roll.maxClonesPerHost().forEach((h, n) -> {
            if (n > roll.plan().parallel()) {
                p.add(n + " clones ran at once on " + h + ", more than --parallel " + roll.plan().parallel());
            }
        });
        if (hosts > 1 && !(roll.wallMs() < roll.sumOfRebootsMs())) {
            p.add(String.format("the roll took %.0f ms, not less than the reboots one after the other (%.0f ms)", roll.wallMs(), roll.sumOfRebootsMs()));
        }
        return p;
    }

    /** The VMs whose clients saw the new version on the new kernel. */
    private int serving() {
        return (int) roll.vms().stream().flatMap(v -> v.figures().flatMap(VmFigures::clients).stream())
                .filter(c -> newVersion.equals(c.versionAfter()) && newKernel.equals(c.kernelAfter())).count();
    }

    public String table() {
        int lost = roll.vms().stream().flatMap(v -> v.figures().flatMap(VmFigures::clients).stream()).mapToInt(VmFigures.Clients::ackedWritesLost).sum();
        return roll.table() + String.format("%d of %d VMs serve %s on %s; acknowledged writes lost: %d%n", serving(), hosts * perHost, newVersion, newKernel,
                lost);
    }

    public Json json() {
        return new Json(roll.json(problems()), "libvirt", hosts + "x" + perHost);
    }
}
