package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.output.Schemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A short soak through the CLI. It runs on a test VM (its own free port) rather than the built-in
 * demo, whose fixed port 18080 another user of this machine may hold; `bgreboot soak` without a VM
 * takes the demo the same way.
 */
@ExtendWith(KillStrayVms.class)
class SoakIT {

    @Test
    void twoBackgroundRebootsInARow() throws Exception {
        Path spec = TestVms.writeDemoSpec("soak");
        EmbeddedVm vm = TestVms.vm(spec);
        Path json = Files.createTempDirectory(TestVms.home().home(), "soak-").resolve("soak.json");
        long t0 = System.nanoTime();
        Cli.Run run = Cli.run("soak", spec.toString(), "--count", "2", "--json", json.toString());
        System.out.printf("soak of 2 took %.0f s%n", (System.nanoTime() - t0) / 1e9);

        JsonNode j = Schemas.assertValidFile("soak", json);
        assertThat(j.get("reboots").asInt()).isEqualTo(2);
        assertThat(j.get("reboots_aborted").asInt()).isZero();
        assertThat(j.get("reboots_cold_booted").asInt()).isZero();
        assertThat(j.get("acked_writes").asInt()).as("writes acknowledged across 2 reboots").isGreaterThan(10);
        assertThat(j.get("acked_writes_lost").asInt()).isZero();
        assertThat(j.get("max_chain_depth").asInt()).isBetween(1, 3);
        double min = j.get("downtime_ms_min").asDouble();
        double median = j.get("downtime_ms_median").asDouble();
        double max = j.get("downtime_ms_max").asDouble();
        assertThat(min).isPositive().isLessThanOrEqualTo(median);
        assertThat(median).isLessThanOrEqualTo(max);
        assertThat(max).as("generous: TCG on a shared machine").isLessThan(30_000);
        assertThat(j.get("downtime_ms")).hasSize(2).allMatch(JsonNode::isNumber);

        JsonNode perReboot = j.get("per_reboot");
        assertThat(perReboot).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode r = perReboot.get(i);
            assertThat(r.get("reboot").asInt()).isEqualTo(i + 1);
            assertThat(r.get("generation").asInt()).as("each reboot boots a new clone").isEqualTo(i + 1);
            assertThat(r.get("outcome").asText()).isEqualTo("switched");
            assertThat(r.get("instances").asInt()).isEqualTo(1);
            assertThat(r.get("leftovers")).isEmpty();
            assertThat(r.get("chain_depth").asInt()).isLessThanOrEqualTo(3);
        }
        JsonNode leaks = j.get("leaks");
        for (String key : new String[] {"jvm_fds_start", "jvm_fds_end", "jvm_threads_start", "jvm_threads_end",
                "jvm_heap_after_gc_mib_start", "jvm_heap_after_gc_mib_end", "host_mem_available_mib_start", "host_mem_available_mib_end"}) {
            assertThat(leaks.get(key).isNumber()).as(key + " in " + leaks).isTrue();
        }
        assertThat(leaks.get("instances_after_each_reboot")).hasSize(2);
        assertThat(leaks.get("found")).as("leaks").isEmpty();
        assertThat(j.get("problems")).isEmpty();
        assertThat(j.get("ok").asBoolean()).isTrue();

        assertThat(run.stdout()).contains("soak of " + vm.spec().name()).contains("2 of 2").contains("soak passed");
        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(TestVms.qemuPids(vm)).as("the soak stops its VM").isEmpty();
        assertThat(vm.inspection().leftovers()).isEmpty();
    }

    @Test
    void aCountBelowOneIsOneLine() {
        FaultIT.expectOneLineRefusal(Cli.run("soak", "--count", "0"), "--count 0 is not a number of reboots");
    }
}
