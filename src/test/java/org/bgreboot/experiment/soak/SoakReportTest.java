package org.bgreboot.experiment.soak;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.bgreboot.output.RebootFixtures;
import org.bgreboot.output.Schemas;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.BgShareReport;
import org.bgreboot.reboot.Outcome;
import org.junit.jupiter.api.Test;

/** The soak's verdict and JSON: a cold boot is reported as one, never counted among the background reboots' downtimes. */
class SoakReportTest {
    private static final SoakSample START = new SoakSample(40, 30, 12.5, 20_000);
    private static final SoakSample END = new SoakSample(41, 31, 13.0, 19_990);

    private static SoakReboot reboot(int i, Outcome outcome, double downtimeMs) {
        return new SoakReboot(i, outcome instanceof Outcome.ColdBooted ? i + 1 : i, outcome, i * 20_000, i * 20_000 + 12_000, downtimeMs,
                downtimeMs + 20, 9800, outcome instanceof Outcome.Switched ? 131 : Double.NaN, 2, 1, List.of(), 20_000 - i,
                Optional.of(new BgShareReport(BgShare.ADAPTIVE, BgShare.ADAPTIVE, 900, 1200, false, "")));
    }

    private static SoakReport soak(List<SoakReboot> reboots) {
        return new SoakReport("soak-1", "tcg", 3, reboots, 900, List.of(), 0, Optional.empty(), START, END, List.of());
    }

    @Test
    void threeSwitchesPassAndValidate() {
        SoakReport r = soak(List.of(reboot(1, RebootFixtures.SWITCHED, 30), reboot(2, RebootFixtures.SWITCHED, 40), reboot(3, RebootFixtures.SWITCHED, 50)));
        assertThat(r.problems()).isEmpty();
        JsonNode j = Schemas.assertValid("soak", r.json());
        assertThat(j.get("ok").asBoolean()).isTrue();
        assertThat(j.get("downtime_ms_median").asDouble()).isEqualTo(40);
        assertThat(j.get("per_reboot").get(0).get("outcome").asText()).isEqualTo("switched");
        assertThat(j.get("per_reboot").get(0).get("bg_share").get("capped_ms").asDouble()).isEqualTo(900);
    }

    @Test
    void aColdBootIsReportedLeftOutOfTheDowntimesAndFailsTheSoak() {
        SoakReport r = soak(List.of(reboot(1, RebootFixtures.SWITCHED, 30), reboot(2, RebootFixtures.COLD_BOOTED, 3900), reboot(3, RebootFixtures.SWITCHED, 50)));
        assertThat(r.downtimeMax()).as("the cold boot's 3.9 s is no background reboot's downtime").isEqualTo(50);
        assertThat(r.downtimeMedian()).isEqualTo(40);
        assertThat(r.fellBack()).isEqualTo(1);
        assertThat(r.aborted()).as("a cold boot is not an abort either").isZero();
        assertThat(r.problems()).singleElement().asString().startsWith("reboot 2 is no background reboot: cold-booted: the switch failed at attach");
        JsonNode j = Schemas.assertValid("soak", r.json());
        assertThat(j.get("ok").asBoolean()).isFalse();
        assertThat(j.get("reboots_cold_booted").asInt()).isEqualTo(1);
        assertThat(j.get("reboots_aborted").asInt()).isZero();
        JsonNode cold = j.get("per_reboot").get(1);
        assertThat(cold.get("outcome").asText()).isEqualTo("cold_booted");
        assertThat(cold.get("failed_step").asText()).isEqualTo("attach");
        assertThat(cold.get("downtime_ms").asDouble()).as("what clients saw is reported").isEqualTo(3900);
        assertThat(j.get("downtime_ms").get(1).asDouble()).isEqualTo(3900);
        assertThat(r.table()).contains("3900 ms (cold_booted)").contains("1 cold-booted after a failed switch").contains("soak FAILED");
    }

    @Test
    void anAbortFailsTheSoakAndSaysWhy() {
        SoakReport r = soak(List.of(reboot(1, RebootFixtures.SWITCHED, 30), reboot(2, RebootFixtures.ABORTED, Double.NaN)));
        assertThat(r.problems()).contains("only 2 of 3 reboots ran", "reboot 2 aborted: the clone was not ready within 120 s");
        JsonNode j = Schemas.assertValid("soak", r.json());
        assertThat(j.get("reboots_aborted").asInt()).isEqualTo(1);
        assertThat(j.get("per_reboot").get(1).get("outcome_reason").asText()).isEqualTo("the clone was not ready within 120 s");
    }
}
