package org.bgreboot.experiment.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bgreboot.experiment.bench.BenchFixtures.failed;
import static org.bgreboot.experiment.bench.BenchFixtures.ok;
import static org.bgreboot.experiment.bench.BenchFixtures.plan;
import static org.bgreboot.experiment.bench.BenchFixtures.result;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.bgreboot.output.Schemas;
import org.bgreboot.spec.ByteSize;
import org.junit.jupiter.api.Test;

import org.bgreboot.experiment.bench.BenchJson;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchResult;
import org.bgreboot.experiment.bench.InterferenceCase;
import org.bgreboot.experiment.bench.InterferenceResult;
import org.bgreboot.experiment.bench.BenchFixtures;
class BenchJsonTest {

    /** The bench's JSON as its file holds it, valid against docs/schema/bench.schema.json. */
    private static JsonNode json(BenchResult r) {
        return Schemas.assertValid("bench", BenchJson.of(r));
    }

    private static BenchResult sample(Optional<InterferenceResult> interference) {
        return result(plan(List.of(BenchMethod.NORMAL, BenchMethod.BACKGROUND), 2, "256M", "2G"), List.of(
                ok(256, BenchMethod.NORMAL, 1, 7000, Double.NaN, 0),
                ok(256, BenchMethod.NORMAL, 2, 9000, Double.NaN, 0),
                ok(256, BenchMethod.BACKGROUND, 1, 100, 200, 1),
                ok(256, BenchMethod.BACKGROUND, 2, 140, 260, 2),
                ok(2048, BenchMethod.NORMAL, 1, 8000, Double.NaN, 0),
                failed(2048, BenchMethod.NORMAL, 2, "did not come back"),
                ok(2048, BenchMethod.BACKGROUND, 1, 120, 210, 0),
                ok(2048, BenchMethod.BACKGROUND, 2, 130, 230, 0)), interference);
    }

    @Test
    void oneObjectPerGuestMemoryAndMethodWithTheAgreedKeys() throws Exception {
        JsonNode results = json(sample(Optional.empty())).get("results");
        assertThat(results).hasSize(4);
        for (JsonNode o : results) {
            assertThat(o.has("guest") && o.has("memory_mb") && o.has("method") && o.has("downtime_ms") && o.has("switch_ms")
                    && o.has("acked_writes_lost") && o.has("downtime_min_ms") && o.has("downtime_max_ms") && o.has("switch_min_ms")
                    && o.has("switch_max_ms") && o.has("accel") && o.has("machine") && o.has("repeats")).as(o.toString()).isTrue();
            assertThat(o.get("machine").get("nproc").asInt()).isEqualTo(2);
            assertThat(o.get("machine").get("qemu_version").asText()).contains("7.2");
            assertThat(o.get("accel").asText()).isEqualTo("tcg");
        }
        JsonNode bg256 = results.get(1);
        assertThat(bg256.get("memory_mb").asInt()).isEqualTo(256);
        assertThat(bg256.get("method").asText()).isEqualTo("background");
        assertThat(bg256.get("downtime_ms").asDouble()).isEqualTo(120);
        assertThat(bg256.get("downtime_min_ms").asDouble()).isEqualTo(100);
        assertThat(bg256.get("downtime_max_ms").asDouble()).isEqualTo(140);
        assertThat(bg256.get("switch_ms").asDouble()).isEqualTo(230);
        assertThat(bg256.get("acked_writes_lost").asInt()).as("summed over repeats").isEqualTo(3);
        assertThat(bg256.get("repeats")).hasSize(2);
        assertThat(bg256.get("repeats").get(1).get("downtime_ms").asDouble()).isEqualTo(140);
        assertThat(bg256.get("repeats").get(1).get("steps_ms").get("stop_fg").asDouble()).isEqualTo(1.0);
        assertThat(bg256.get("repeats").get(1).get("outcome").asText()).isEqualTo("switched");
        assertThat(bg256.get("repeats").get(1).get("bg_share").get("effective").asText()).as("what really ran").isEqualTo("idle");
        assertThat(bg256.get("repeats").get(1).get("bg_share").get("capped_ms").isNull()).as("unreadable counters: null").isTrue();
        assertThat(results.get(0).get("repeats").get(0).get("outcome").asText()).isEqualTo("rebooted");
        assertThat(bg256.get("fg_pause_ms").asDouble()).isEqualTo(12.5);
        assertThat(results.get(0).get("fg_pause_ms").isNull()).as("a normal reboot has no clone point").isTrue();
    }

    @Test
    void eachBackgroundRepeatSaysWhereItsDowntimeWent() throws Exception {
        JsonNode results = json(sample(Optional.empty())).get("results");
        JsonNode parts = results.get(1).get("repeats").get(1).get("downtime_parts");
        assertThat(parts.get("before_move_ms").asDouble() + parts.get("network_move_ms").asDouble() + parts.get("first_answer_ms").asDouble())
                .as("the parts add up to the downtime").isEqualTo(140);
        assertThat(parts.get("failed_probes").get("timeout").asInt()).isEqualTo(1);
        assertThat(parts.get("slowest_probe_ms").asDouble()).isEqualTo(40);
        assertThat(results.get(0).get("repeats").get(0).get("downtime_parts").isNull()).as("a normal reboot: none").isTrue();
    }

    @Test
    void severalGuestsOneCellEachPerMemoryAndMethodInTheirOrder() throws Exception {
        BenchResult r = result(new BenchPlan(List.of("debian13", "debian11"), List.of(ByteSize.parse("256M")),
                List.of(BenchMethod.NORMAL, BenchMethod.BACKGROUND), 1, false, 15), List.of(
                BenchFixtures.of("debian13", 256, BenchMethod.NORMAL, 1, 20_000, Double.NaN),
                BenchFixtures.of("debian13", 256, BenchMethod.BACKGROUND, 1, 100, 150),
                BenchFixtures.of("debian11", 256, BenchMethod.NORMAL, 1, 30_000, Double.NaN),
                BenchFixtures.of("debian11", 256, BenchMethod.BACKGROUND, 1, 90, 140)), Optional.empty());
        JsonNode j = json(r);
        assertThat(j.get("guests").toString()).isEqualTo("[\"debian13\",\"debian11\"]");
        assertThat(j.get("command").asText()).startsWith("bgreboot bench --guest debian13,debian11 --memory 256M");
        assertThat(j.get("results")).extracting(c -> c.get("guest").asText() + " " + c.get("method").asText())
                .containsExactly("debian13 normal", "debian13 background", "debian11 normal", "debian11 background");
        assertThat(j.get("results").get(3).get("downtime_ms").asDouble()).isEqualTo(90);
        assertThat(j.get("background_normal_ratios")).extracting(x -> x.get("guest").asText() + " " + x.get("ratio").asDouble())
                .containsExactly("debian13 0.005", "debian11 0.003");
    }

    @Test
    void aFailedRepeatStaysInTheRawFiguresButNotInTheMedian() throws Exception {
        JsonNode normal2g = json(sample(Optional.empty())).get("results").get(2);
        assertThat(normal2g.get("method").asText()).isEqualTo("normal");
        assertThat(normal2g.get("downtime_ms").asDouble()).isEqualTo(8000);
        assertThat(normal2g.get("failed").asInt()).isEqualTo(1);
        JsonNode failed = normal2g.get("repeats").get(1);
        assertThat(failed.get("failure").asText()).isEqualTo("did not come back");
        assertThat(failed.get("downtime_ms").isNull()).isTrue();
        assertThat(failed.get("acked_writes_lost").isNull()).as("unknown, not zero").isTrue();
        assertThat(normal2g.get("switch_ms").isNull()).as("a normal reboot has no switch").isTrue();
    }

    @Test
    void topLevelSaysWhatRanWhereAndWhatWentWrong() throws Exception {
        JsonNode j = json(sample(Optional.empty()));
        assertThat(j.get("command").asText()).startsWith("bgreboot bench --guest tiny --memory 256M,2G --repeat 2");
        assertThat(j.get("acked_writes_lost").asInt()).isEqualTo(3);
        assertThat(j.get("guests")).hasSize(1);
        assertThat(j.get("guests").get(0).asText()).isEqualTo("tiny");
        assertThat(j.get("background_normal_ratios").get(0).get("guest").asText()).isEqualTo("tiny");
        assertThat(j.get("background_normal_ratios").get(0).get("memory_mb").asInt()).isEqualTo(256);
        assertThat(j.get("background_normal_ratios").get(0).get("ratio").asDouble()).isEqualTo(0.015);
        assertThat(j.get("interference").isNull()).isTrue();
        assertThat(j.get("problems")).hasSize(3);
    }

    @Test
    void interferenceHasThroughputsAndRatios() throws Exception {
        InterferenceResult i = new InterferenceResult("bench-tiny-2g", 2048, 4, 15, List.of(
                new InterferenceCase(InterferenceCase.Kind.NO_BG, 3000, 0, 15, Optional.empty(), Optional.empty(), Double.NaN, Double.NaN, 0, Optional.empty()),
                new InterferenceCase(InterferenceCase.Kind.BG_IDLE, 1900, 0, 10, Optional.empty(), Optional.empty(), 9000, 0, 0, Optional.empty()),
                new InterferenceCase(InterferenceCase.Kind.BG_ADAPTIVE, 1950, 0, 10, Optional.empty(), Optional.empty(), 12000, 0, 4000, Optional.empty()),
                new InterferenceCase(InterferenceCase.Kind.BG_NORMAL, 1000, 0, 10, Optional.empty(), Optional.empty(), 6000, 0, 0, Optional.empty())));
        JsonNode j = json(sample(Optional.of(i))).get("interference");
        assertThat(j.get("no_bg_rps").asDouble()).isEqualTo(200);
        assertThat(j.get("bg_idle_rps").asDouble()).isEqualTo(190);
        assertThat(j.get("bg_normal_rps").asDouble()).isEqualTo(100);
        assertThat(j.get("idle_ratio").asDouble()).isEqualTo(0.95);
        assertThat(j.get("normal_ratio").asDouble()).isEqualTo(0.5);
        assertThat(j.get("adaptive_ratio").asDouble()).isEqualTo(0.975);
        assertThat(j.get("bg_boot_ms").get("adaptive").asDouble()).isEqualTo(12000);
        assertThat(j.get("adaptive_boot_over_normal").asDouble()).isEqualTo(2.0);
        assertThat(j.get("windows")).hasSize(4);
    }

    @Test
    void aRunThatThrewHasNoOutcomeAndNoFigures() throws Exception {
        JsonNode failed = json(sample(Optional.empty())).get("results").get(2).get("repeats").get(1);
        assertThat(failed.get("outcome").isNull()).as("it never had one").isTrue();
        assertThat(failed.get("switch_ms").isNull()).isTrue();
        assertThat(failed.get("failure").asText()).isEqualTo("did not come back");
    }

    @Test
    void aColdBootIsReportedAsOneAndLeftOutOfTheMedians() throws Exception {
        BenchResult r = result(plan(List.of(BenchMethod.BACKGROUND), 3, "256M"), List.of(
                ok(256, BenchMethod.BACKGROUND, 1, 100, 200, 0),
                BenchFixtures.fellBack(256, 2),
                ok(256, BenchMethod.BACKGROUND, 3, 140, 260, 0)), Optional.empty());
        JsonNode j = json(r);
        JsonNode cell = j.get("results").get(0);
        assertThat(cell.get("downtime_ms").asDouble()).as("the median of the two switches, not of the cold boot's 150 ms").isEqualTo(120);
        assertThat(cell.get("downtime_max_ms").asDouble()).isEqualTo(140);
        assertThat(cell.get("failed").asInt()).isEqualTo(1);
        assertThat(cell.get("fell_back").asInt()).isEqualTo(1);
        assertThat(j.get("runs_fell_back").asInt()).isEqualTo(1);
        JsonNode cold = cell.get("repeats").get(1);
        assertThat(cold.get("outcome").asText()).isEqualTo("cold_booted");
        assertThat(cold.get("failed_step").asText()).isEqualTo("attach");
        assertThat(cold.get("downtime_ms").asDouble()).as("what it cost clients is reported").isEqualTo(150);
        assertThat(cold.get("max_probe_gap_ms").asDouble()).isEqualTo(150);
        assertThat(cold.get("failure").asText()).startsWith("cold-booted: the switch failed at attach");
        assertThat(j.get("problems")).anySatisfy(p -> assertThat(p.asText()).contains("background #2 is no background reboot: cold-booted"));
        assertThat(BenchTable.of(r).rows().get(0)).contains("120 ms (100–140), 1/3 failed (1 cold-booted)");
    }
}
