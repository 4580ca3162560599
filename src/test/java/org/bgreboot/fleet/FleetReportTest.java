package org.bgreboot.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The roll's totals from each VM's timeline: downtime overlaps, clones at once per host, parallel hosts. */
class FleetReportTest {
    private static VmProgress vm(String name, String host, double cloneFrom, double switchEnd, double downFrom, double downTo) {
        return new VmProgress(name, host, VmProgress.State.SWITCHED, "", 0, Map.of("clone_started_ms", cloneFrom, "switch_ended_ms", switchEnd,
                "down_from_ms", downFrom, "down_to_ms", downTo, "downtime_ms", downTo - downFrom, "reboot_started_ms", cloneFrom - 1000,
                "reboot_ended_ms", switchEnd + 500));
    }

    private static FleetReport report(List<VmProgress> vms) {
        FleetPlan plan = new FleetPlan("fleet-x", List.of("h1", "h2"), vms.stream().map(v -> new PlannedVm(v.vm(), v.host(), 0, 1L << 29)).toList(),
                1, 1, OnFailure.STOP, true);
        return new FleetReport(plan, vms, List.of(new FleetReport.HostState("h1", true, 2), new FleetReport.HostState("h2", true, 1)), 25_000,
                Path.of("/j.json"));
    }

    @Test
    void totalsComeFromTheTimelines() {
        FleetReport r = report(List.of(
                vm("a", "h1", 1000, 9000, 8900, 8950),
                vm("b", "h1", 9500, 18000, 17900, 17990),
                vm("c", "h2", 1200, 9100, 8930, 9000)));
        assertThat(r.maxClonesPerHost()).containsEntry("h1", 1).containsEntry("h2", 1);
        assertThat(r.maxDownAtOnce()).as("a and c overlap").isEqualTo(2);
        assertThat(r.maxDowntimeMs()).isEqualTo(90);
        assertThat(r.sumOfRebootsMs()).isEqualTo(9500 + (18500 - 8500) + (9600 - 200));
        assertThat(r.problems()).isEmpty();
        assertThat(r.json()).containsKeys("wall_ms", "hosts", "vms");
    }

    @Test
    void overlappingClonesOnOneHostAreCounted() {
        FleetReport r = report(List.of(vm("a", "h1", 1000, 9000, 8900, 8950), vm("b", "h1", 5000, 12000, 11900, 11950)));
        assertThat(r.maxClonesPerHost()).containsEntry("h1", 2);
        assertThat(r.maxDownAtOnce()).isEqualTo(1);
    }

    @Test
    void vmsThatDidNotEndOnTheUpdateAreProblems() {
        VmProgress skipped = new VmProgress("d", "h2", VmProgress.State.SKIPPED, "not started: the roll stopped after a", 0, Map.of());
        FleetReport r = report(List.of(vm("a", "h1", 1000, 9000, 8900, 8950), skipped));
        assertThat(r.problems()).singleElement().asString().contains("d on h2: skipped: not started");
    }
}
