package org.bgreboot.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bgreboot.output.OutcomeFields;
import org.bgreboot.output.RebootJson;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.UserError;
import org.bgreboot.output.RebootFixtures;
import org.bgreboot.output.Schemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The roll's totals from each VM's timeline: downtime overlaps, clones at once per host, parallel hosts. */
class FleetReportTest {
    private static VmProgress vm(String name, String host, double cloneFrom, double switchEnd, double downFrom, double downTo) {
        VmFigures.Clients seen = new VmFigures.Clients(downTo - downFrom, downTo - downFrom + 10, 9000, 100, 0, "v1", "v2", "k1", "k2", downFrom, downTo,
                Optional.of(new RebootJson.DowntimePartsJson(downTo - downFrom - 12, 2, 10, java.util.Map.of("refused", 3), 4)));
        VmFigures f = new VmFigures(OutcomeFields.of(new Outcome.Switched()), false, 20, 8000, 300, 1, cloneFrom - 1000, switchEnd + 500, cloneFrom,
                switchEnd - 300, switchEnd, Optional.empty(), Optional.of(seen));
        return new VmProgress(name, host, VmProgress.State.SWITCHED, "serves generation 1", 0, Optional.of(f));
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
        assertThat(r.json(r.problems()).vms()).extracting(FleetJson.Vm::downtimeMs).containsExactly(50.0, 90.0, 70.0);
    }

    @Test
    void overlappingClonesOnOneHostAreCounted() {
        FleetReport r = report(List.of(vm("a", "h1", 1000, 9000, 8900, 8950), vm("b", "h1", 5000, 12000, 11900, 11950)));
        assertThat(r.maxClonesPerHost()).containsEntry("h1", 2);
        assertThat(r.maxDownAtOnce()).isEqualTo(1);
    }

    @Test
    void vmsThatDidNotEndOnTheUpdateAreProblems() {
        VmProgress skipped = new VmProgress("d", "h2", VmProgress.State.SKIPPED, "not started: the roll stopped after a", 0, Optional.empty());
        FleetReport r = report(List.of(vm("a", "h1", 1000, 9000, 8900, 8950), skipped));
        assertThat(r.problems()).singleElement().asString().contains("d on h2: skipped: not started");
    }

    @Test
    void theReportValidatesWithEveryKindOfVm() throws Exception {
        VmFigures cold = VmFigures.of(RebootFixtures.measured(RebootFixtures.background(RebootFixtures.COLD_BOOTED)));
        VmFigures aborted = VmFigures.of(RebootFixtures.background(RebootFixtures.ABORTED));
        List<VmProgress> vms = List.of(
                vm("a", "h1", 1000, 9000, 8900, 8950),
                new VmProgress("b", "h1", VmProgress.State.COLD_BOOTED, cold.outcome().outcomeDetail(), 1, Optional.of(cold)),
                new VmProgress("c", "h2", VmProgress.State.ABORTED, aborted.outcome().outcomeDetail(), 1, Optional.of(aborted)),
                new VmProgress("d", "h2", VmProgress.State.SWITCHED, "recovered: completed", 1,
                        Optional.of(VmFigures.recovered(new Outcome.Switched(), 2))),
                new VmProgress("e", "h2", VmProgress.State.SKIPPED, "not started: the roll stopped after b", 0, Optional.empty()),
                new VmProgress("f", "h2", VmProgress.State.FAILED, "cannot reach libvirt", 0, Optional.empty()),
                new VmProgress("g", "h2", VmProgress.State.FAILED, "host h2 stopped answering (" + aborted.outcome().outcomeDetail() + ")", 1,
                        Optional.of(aborted)));
        FleetReport r = report(vms);
        JsonNode j = Schemas.assertValid("fleet", r.json(r.problems()));
        assertThat(j.get("vms").get(1).get("result").asText()).isEqualTo("cold_booted");
        assertThat(j.get("vms").get(1).get("outcome").asText()).isEqualTo("cold_booted");
        assertThat(j.get("vms").get(1).get("failed_step").asText()).isEqualTo("attach");
        assertThat(j.get("vms").get(1).get("downtime_ms").asDouble()).isEqualTo(3966.1);
        assertThat(j.get("vms").get(2).get("outcome_reason").asText()).contains("not ready");
        assertThat(j.get("vms").get(3).get("recovered").asBoolean()).isTrue();
        assertThat(j.get("vms").get(4).get("outcome").isNull()).isTrue();
        assertThat(j.get("on_failure").asText()).isEqualTo("stop");
        assertThat(j.get("vms").get(0).get("downtime_parts").get("network_move_ms").asDouble()).as("where a switch's downtime went").isEqualTo(2);
        assertThat(j.get("vms").get(5).get("downtime_parts").isNull()).isTrue();
        assertThat(j.get("vms").get(6).get("result").asText()).as("a host lost midway: failed, whatever the reboot had said").isEqualTo("failed");
        assertThat(j.get("vms").get(6).get("outcome").asText()).isEqualTo("aborted");
        assertThat(r.problems()).as("all but the switched and the recovered VM").hasSize(5);
        assertThat(r.table()).contains("cold_booted").contains("3966 ms");
    }

    @Test
    void theJournalKeepsTheTypedFiguresAcrossAWriteAndARead(@TempDir Path dir) throws Exception {
        FleetPlan plan = new FleetPlan("fleet-20260101T000000Z", List.of("h1"), List.of(new PlannedVm("a", "h1", 0, 1L << 29),
                new PlannedVm("b", "h1", 0, 1L << 29)), 1, 1, OnFailure.STOP, true);
        FleetJournal j = FleetJournal.begin(dir, plan);
        VmFigures cold = VmFigures.of(RebootFixtures.measured(RebootFixtures.background(RebootFixtures.COLD_BOOTED)));
        j.put(j.get("a").started(1).finished(VmProgress.State.COLD_BOOTED, "cold-booted", cold));
        FleetJournal read = FleetJournal.read(j.file());
        assertThat(read.get("a").figures()).contains(cold);
        assertThat(read.get("a").figures().get().switchMs()).as("NaN survives the file").isNaN();
        assertThat(read.get("b").state()).isEqualTo(VmProgress.State.PENDING);
    }

    @Test
    void aJournalOfAnotherFormatIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path old = dir.resolve("fleet-old.json");
        Files.writeString(old, "{\"plan\": {}, \"vms\": {}, \"finished\": false}");
        assertThatThrownBy(() -> FleetJournal.read(old)).isInstanceOf(UserError.class)
                .hasMessageContaining("is in format 1, which this bgreboot does not read");
    }
}
