package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bgreboot.output.Schemas;
import org.bgreboot.reboot.BgShare;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The three demos through the CLI, as a user runs them, their JSON validated against the schemas in
 * docs/schema: the embedded demo, the demo on a private libvirt host, the fleet demo on two. Each
 * makes and tears down what it needs (the libvirt ones a test network and private libvirtds).
 */
@ExtendWith(KillStrayVms.class)
class DemoIT {

    private static Path json(String name) throws Exception {
        return Files.createTempDirectory(TestVms.home().home(), "demo-").resolve(name + ".json");
    }

    @Test
    void theDemoReportsBothRebootsAndItsJsonValidates() throws Exception {
        Path json = json("demo");
        // the demo as a user runs it: the clone at the default share (the suite sets normal for the others)
        Cli.Run run = Cli.run(Map.of(BgShare.ENV, ""), "demo", "--json", json.toString());
        JsonNode j = Schemas.assertValidFile("demo", json);
        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(j.get("engine").asText()).isEqualTo("embedded");
        JsonNode normal = j.get("reboots").get(0), background = j.get("reboots").get(1);
        assertThat(normal.get("outcome").asText()).isEqualTo("rebooted");
        assertThat(background.get("outcome").asText()).isEqualTo("switched");
        assertThat(background.get("bg_share").get("effective").asText()).isIn("adaptive", "idle");
        assertThat(background.get("steps_ms").has("bg_takes_network")).isTrue();
        // the headline, from figures measured in this run: the background reboot's downtime is a fraction of the normal one's
        assertThat(j.get("downtime_ratio").asDouble()).isLessThan(0.5);
        assertThat(j.get("problems")).isEmpty();
        assertThat(json.resolveSibling("demo.svg")).isNotEmptyFile();
    }

    @Test
    void theDemoOnLibvirtReportsItsDomainsAndColdBootAndItsJsonValidates() throws Exception {
        Path json = json("demo-libvirt");
        Cli.Run run = Cli.run("demo", "--engine", "libvirt", "--json", json.toString());
        JsonNode j = Schemas.assertValidFile("demo", json);
        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(j.get("engine").asText()).isEqualTo("libvirt");
        assertThat(j.get("reboots").get(1).get("outcome").asText()).isEqualTo("switched");
        assertThat(j.get("domains_running_after")).hasSize(1);
        assertThat(j.get("cold_boot").get("failure").isNull()).as(j.get("cold_boot").toString()).isTrue();
        assertThat(j.get("cold_boot").get("acked_writes_missing").asInt()).isZero();
        assertThat(j.get("switch_steps_ms").has("take_disk")).isTrue();
    }

    @Test
    void theFleetDemoRollsEveryVmAndItsJsonValidatesAsAFleetReport() throws Exception {
        Path json = json("demo-fleet");
        // one VM a host: the hosts' rolls overlap, at a third of the default's boots (waves within a host are FleetRollMemoryTest's)
        Cli.Run run = Cli.run("demo", "--fleet", "2x1", "--json", json.toString());
        JsonNode j = Schemas.assertValidFile("fleet", json);
        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(j.get("fleet").asText()).isEqualTo("2x1");
        assertThat(j.get("vms")).hasSize(2).allSatisfy(v -> {
            assertThat(v.get("result").asText()).as(v.toString()).isEqualTo("switched");
            assertThat(v.get("outcome").asText()).isEqualTo("switched");
            assertThat(v.get("acked_writes_lost").asInt()).isZero();
            assertThat(v.get("downtime_parts").path("network_move_ms").isNumber()).as("where its downtime went: " + v).isTrue();
        });
        assertThat(j.get("hosts")).hasSize(2);
        assertThat(j.get("problems")).isEmpty();
    }
}
