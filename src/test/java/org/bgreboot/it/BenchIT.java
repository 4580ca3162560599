package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.engine.embedded.Liveness;
import org.bgreboot.output.Schemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A small real bench through the CLI: the tiny guest at one memory size, a normal and a background reboot. */
@ExtendWith(KillStrayVms.class)
class BenchIT {

    @Test
    void aSmallBenchWritesItsFiguresAndLosesNoWrite() throws Exception {
        Path json = Files.createTempDirectory("bgreboot-bench-it-").resolve("bench.json");
        long t0 = System.nanoTime();
        var run = Cli.run("bench", "--guest", "tiny", "--memory", "256M", "--repeat", "1", "--methods", "normal,background",
                "--interference-seconds", "4", "--json", json.toString());
        System.out.printf("bench took %.0f s%n", (System.nanoTime() - t0) / 1e9);

        // the figures first: a failed run is easier to diagnose from them than from the exit status
        JsonNode j = Schemas.assertValidFile("bench", json);
        assertThat(j.get("accel").asText()).isIn("tcg", "kvm");
        assertThat(j.get("machine").get("nproc").asInt()).isPositive();
        assertThat(j.get("machine").get("qemu_version").asText()).contains("QEMU");
        JsonNode results = j.get("results");
        assertThat(results).hasSize(2);
        for (JsonNode o : results) {
            for (String key : new String[] {"guest", "memory_mb", "method", "downtime_ms", "switch_ms", "acked_writes_lost",
                    "downtime_min_ms", "downtime_max_ms", "repeats", "accel", "machine"}) {
                assertThat(o.has(key)).as(key + " in " + o).isTrue();
            }
            assertThat(o.get("guest").asText()).isEqualTo("tiny");
            assertThat(o.get("memory_mb").asInt()).isEqualTo(256);
            assertThat(o.get("failed").asInt()).as(o.toString()).isZero();
            assertThat(o.get("acked_writes").asInt()).isPositive();
            assertThat(o.get("acked_writes_lost").asInt()).isZero();
            assertThat(o.get("repeats")).hasSize(1);
            assertThat(o.get("fell_back").asInt()).isZero();
            assertThat(o.get("repeats").get(0).get("outcome").asText()).isEqualTo(o.get("method").asText().equals("normal") ? "rebooted" : "switched");
        }
        JsonNode normal = results.get(0), background = results.get(1);
        assertThat(normal.get("method").asText()).isEqualTo("normal");
        assertThat(background.get("method").asText()).isEqualTo("background");
        assertThat(background.get("switch_ms").asDouble()).isPositive();
        assertThat(normal.get("switch_ms").isNull()).isTrue();
        // the point of it all, against figures of the same run: no figure is fixed here
        Headline.assertFarBelowNormal(background.get("downtime_ms").asDouble(), normal.get("downtime_ms").asDouble());
        assertThat(background.get("downtime_ms").asDouble()).as("downtime against the switch's own span")
                .isLessThanOrEqualTo(background.get("switch_ms").asDouble() + Headline.READ_SLACK_MS);

        JsonNode interference = j.get("interference");
        for (String key : new String[] {"no_bg_rps", "bg_normal_rps", "bg_idle_rps", "idle_ratio", "normal_ratio"}) {
            assertThat(interference.get(key).isNumber()).as(key + " in " + interference).isTrue();
        }

        for (String suffix : new String[] {".md", "-downtime.svg", "-switch.svg", "-timelines.svg"}) {
            assertThat(json.resolveSibling("bench" + suffix)).isNotEmptyFile();
        }
        assertThat(Files.readString(json.resolveSibling("bench.md"))).contains("| tiny | 256M |");
        assertThat(run.stdout()).contains("normal reboot downtime").contains("BG booting at idle priority");
        assertThat(run.exit()).as(run.stderr()).isZero();
        String home = TestVms.home().home().toString();
        assertThat(ProcessHandle.allProcesses().filter(h -> Liveness.cmdline(h.pid()).contains("qemu-system")
                && Liveness.cmdline(h.pid()).contains(home)).count()).as("VMs left running").isZero();
    }
}
