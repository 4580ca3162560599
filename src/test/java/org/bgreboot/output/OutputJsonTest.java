package org.bgreboot.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.Step;
import org.junit.jupiter.api.Test;

/** The outputs' one mapper: snake_case, no NaN, Optional as value or null, enums by key. */
class OutputJsonTest {
    record Sample(double notNumber, Double boxedInfinite, double fgPauseMs, Optional<String> empty, Optional<Integer> present,
                  Outcome.Kind outcome, Step failedStep, Map<Part, Double> stepsMs, Path journal, List<BgShare> shares) {}

    @Test
    void recordsAreWrittenAsTheirSnakeCaseFields() {
        JsonNode j = OutputJson.tree(new Sample(Double.NaN, Double.POSITIVE_INFINITY, 12.5, Optional.empty(), Optional.of(3),
                Outcome.Kind.COLD_BOOTED, Step.ATTACH, Map.of(Part.BG_TAKES_NETWORK, 2.5), Path.of("/var/lib/x.json"), List.of(BgShare.ADAPTIVE)));
        assertThat(j.get("not_number").isNull()).as("JSON has no NaN").isTrue();
        assertThat(j.get("boxed_infinite").isNull()).isTrue();
        assertThat(j.get("fg_pause_ms").asDouble()).isEqualTo(12.5);
        assertThat(j.get("empty").isNull()).isTrue();
        assertThat(j.get("present").asInt()).isEqualTo(3);
        assertThat(j.get("outcome").asText()).isEqualTo(Outcome.Kind.COLD_BOOTED.key()).isEqualTo("cold_booted");
        assertThat(j.get("failed_step").asText()).isEqualTo("attach");
        assertThat(j.get("steps_ms").get("bg_takes_network").asDouble()).as("a part's key, never its label").isEqualTo(2.5);
        assertThat(j.get("journal").asText()).isEqualTo("/var/lib/x.json");
        assertThat(j.get("shares").get(0).asText()).isEqualTo("adaptive");
    }

    @Test
    void anEnumWithAKeyIsWrittenByIt() {
        assertThat(OutputJson.key(Part.BG_TAKES_NETWORK)).isEqualTo(Part.BG_TAKES_NETWORK.key());
        assertThat(OutputJson.key(Step.STOP_FG)).isEqualTo("stop_fg");
        assertThat(OutputJson.key(BgShare.IDLE)).as("no key(): its name in lower case").isEqualTo("idle");
    }

    @Test
    void figuresAreRoundedAndNaNStaysNaN() {
        assertThat(Figures.ms(12.345)).isEqualTo(12.3);
        assertThat(Figures.ms(Double.NaN)).isNaN();
        assertThat(Figures.seconds(174_321)).isEqualTo(174.3);
        assertThat(Figures.ratio(0.012345)).isEqualTo(0.0123);
        assertThat(Figures.ratio(Double.POSITIVE_INFINITY)).isNaN();
    }

    @Test
    void outcomeFieldsSayWhichStepFailedAndWhy() {
        OutcomeFields cold = OutcomeFields.of(new Outcome.ColdBooted(Step.ATTACH, "the attach hook exited 1"));
        assertThat(cold.failedStep()).contains(Step.ATTACH);
        assertThat(cold.outcomeReason()).contains("the attach hook exited 1");
        assertThat(cold.outcomeDetail()).startsWith("cold-booted: the switch failed at attach");
        OutcomeFields aborted = OutcomeFields.of(new Outcome.Aborted("clone not ready", true, Optional.of("SIGTERM")));
        assertThat(aborted.failedStep()).isEmpty();
        assertThat(aborted.signal()).contains("SIGTERM");
        assertThat(OutcomeFields.of(new Outcome.Switched()).outcomeReason()).isEmpty();
        assertThat(OutcomeFields.of(new Outcome.Down("start it by hand")).outcomeReason()).contains("start it by hand");
    }
}
