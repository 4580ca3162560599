package org.bgreboot.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bgreboot.fleet.FleetPlan;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.OnFailure;
import org.bgreboot.fleet.PlannedVm;
import org.bgreboot.fleet.VmFigures;
import org.bgreboot.fleet.VmProgress;
import org.bgreboot.output.BgShareJson;
import org.bgreboot.output.OutcomeFields;
import org.bgreboot.output.RebootFixtures;
import org.bgreboot.output.Schemas;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.report.RebootMeasurement;
import org.junit.jupiter.api.Test;

/** The three demos' JSON, from realistic runs, against their schemas. */
class DemoReportTest {
    private static DemoReport demo(String engine, RebootMeasurement background) {
        return new DemoReport("demo", engine, "user", "tcg", List.of(RebootFixtures.measured(RebootFixtures.normal()), background), List.of());
    }

    @Test
    void theDemoValidatesAndSaysHowEachRebootEnded() {
        DemoReport d = demo("embedded", RebootFixtures.measured(RebootFixtures.background(RebootFixtures.SWITCHED)));
        JsonNode j = Schemas.assertValid("demo", d.json());
        assertThat(j.get("reboots").get(0).get("outcome").asText()).isEqualTo("rebooted");
        assertThat(j.get("reboots").get(1).get("outcome").asText()).isEqualTo("switched");
        assertThat(j.get("downtime_ratio").asDouble()).isEqualTo(0.0094);
        assertThat(j.get("problems")).isEmpty();
        assertThat(j.has("cold_boot")).as("libvirt's only").isFalse();
    }

    @Test
    void aDemoWhoseSwitchFellBackSaysSoAndFails() {
        DemoReport d = demo("embedded", RebootFixtures.measured(RebootFixtures.background(RebootFixtures.COLD_BOOTED)));
        JsonNode j = Schemas.assertValid("demo", d.json());
        assertThat(j.get("reboots").get(1).get("outcome").asText()).isEqualTo("cold_booted");
        assertThat(j.get("reboots").get(1).get("failed_step").asText()).isEqualTo("attach");
        assertThat(d.problems()).anySatisfy(p -> assertThat(p).startsWith("background reboot cold-booted: the switch failed at attach"));
    }

    @Test
    void theLibvirtDemoValidatesWithItsSwitchStepsDomainsAndColdBoot() {
        LibvirtDemoReport r = new LibvirtDemoReport(demo("libvirt", RebootFixtures.measured(RebootFixtures.background(RebootFixtures.SWITCHED))),
                List.of("demo-libvirt-g1"), new LibvirtDemoReport.ColdBoot("demo-libvirt", "6.1.0-57-cloud-amd64", "v2", 400, 0, 3100, ""),
                "6.1.0-57-cloud-amd64", "v2");
        JsonNode j = Schemas.assertValid("demo", r.json());
        assertThat(j.get("engine").asText()).isEqualTo("libvirt");
        assertThat(j.get("switch_steps_ms").has("bg_takes_network")).isTrue();
        assertThat(j.get("cold_boot").get("failure").isNull()).isTrue();
        assertThat(j.get("domains_running_after")).hasSize(1);
    }

    @Test
    void theFleetDemoIsAFleetReportWithItsShape() {
        List<VmProgress> vms = List.of(vm("fleet-h1-1", "h1", 1000), vm("fleet-h2-1", "h2", 1200));
        FleetPlan plan = new FleetPlan("fleet-20260101T000000Z", List.of("h1", "h2"),
                vms.stream().map(v -> new PlannedVm(v.vm(), v.host(), 0, 384L << 20)).toList(), 1, 1, OnFailure.STOP, true);
        FleetReport roll = new FleetReport(plan, vms, List.of(new FleetReport.HostState("h1", true, 1), new FleetReport.HostState("h2", true, 1)),
                15_000, Path.of("/var/lib/bgreboot/fleet/fleet-20260101T000000Z.json"));
        FleetDemoReport d = new FleetDemoReport(roll, 2, 1, "v2", "6.1.0-57-cloud-amd64");
        assertThat(d.problems()).isEmpty();
        JsonNode j = Schemas.assertValid("fleet", d.json());
        assertThat(j.get("fleet").asText()).isEqualTo("2x1");
        assertThat(j.get("engine").asText()).isEqualTo("libvirt");
        assertThat(j.get("vms").get(0).get("bg_share").get("effective").asText()).isEqualTo("adaptive");
    }

    private static VmProgress vm(String name, String host, double from) {
        VmFigures.Clients seen = new VmFigures.Clients(31, 45, 9000, 1200, 0, "v1", "v2", "6.1.0-56-cloud-amd64", "6.1.0-57-cloud-amd64",
                from + 9000, from + 9031, Optional.empty());
        BgShareJson share = new BgShareJson(BgShare.ADAPTIVE, BgShare.ADAPTIVE, 800, 900, false, Optional.empty());
        VmFigures f = new VmFigures(OutcomeFields.of(RebootFixtures.SWITCHED), false, 20, 8500, 300, 1, from - 500, from + 9600, from,
                from + 8500, from + 9400, Optional.of(share), Optional.of(seen));
        return new VmProgress(name, host, VmProgress.State.SWITCHED, "serves generation 1", 0, Optional.of(f));
    }
}
