package org.bgreboot.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The schemas themselves, and the reboot output against its schema. */
class SchemasTest {

    @ParameterizedTest
    @ValueSource(strings = {"reboot", "demo", "bench", "fleet", "soak"})
    void eachSchemaIsAValidDraft202012SchemaWhoseReferencesResolve(String name) throws Exception {
        Schema meta = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        JsonNode schema = new ObjectMapper().readTree(Schemas.DIR.resolve(name + ".schema.json").toFile());
        assertThat(meta.validate(schema)).as(name).isEmpty();
        assertThat(schema.get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        Schemas.schema(name); // every $ref resolved
    }

    @Test
    void theSchemasNameEveryPartStepAndOutcomeAsTheCodeDoes() throws Exception {
        JsonNode defs = new ObjectMapper().readTree(Schemas.DIR.resolve("reboot.schema.json").toFile()).get("$defs");
        assertThat(texts(defs.get("part").get("enum"))).containsExactlyElementsOf(Arrays.stream(Part.values()).map(Part::key).toList());
        assertThat(texts(defs.get("step").get("enum"))).containsExactlyElementsOf(Arrays.stream(Step.values()).map(Step::key).toList());
        assertThat(texts(defs.get("outcome_kind").get("enum"))).containsExactlyElementsOf(Arrays.stream(Outcome.Kind.values()).map(Outcome.Kind::key).toList());
    }

    private static List<String> texts(JsonNode array) {
        List<String> t = new ArrayList<>();
        array.forEach(n -> t.add(n.asText()));
        return t;
    }

    @Test
    void aSwitchedBackgroundRebootValidatesWithWhatClientsSaw() {
        JsonNode j = Schemas.assertValid("reboot", RebootOutput.of(RebootFixtures.measured(RebootFixtures.background(RebootFixtures.SWITCHED))));
        assertThat(j.get("schema_version").asInt()).isEqualTo(OutputJson.SCHEMA_VERSION);
        assertThat(j.get("outcome").asText()).isEqualTo("switched");
        assertThat(j.get("failed_step").isNull()).isTrue();
        assertThat(j.get("switch_mode").asText()).isEqualTo("handover");
        assertThat(j.get("bg_share").get("requested").asText()).isEqualTo("adaptive");
        assertThat(j.get("bg_share").get("capped_ms").asDouble()).isEqualTo(1834.3);
        assertThat(j.get("steps_ms").get("freeze_fg").asDouble()).as("once per disk, summed").isEqualTo(2.0);
        assertThat(j.get("downtime_ms").asDouble()).isEqualTo(37.2);
        assertThat(j.get("acked_writes_during_bg_boot").asInt()).isEqualTo(300);
        assertThat(j.get("disk_handover").asText()).isEqualTo("swap");
    }

    @Test
    void aColdBootSaysWhichStepFailedWhyAndWhatItCost() {
        JsonNode j = Schemas.assertValid("reboot", RebootOutput.of(RebootFixtures.measured(RebootFixtures.background(RebootFixtures.COLD_BOOTED))));
        assertThat(j.get("outcome").asText()).isEqualTo("cold_booted");
        assertThat(j.get("failed_step").asText()).isEqualTo("attach");
        assertThat(j.get("outcome_reason").asText()).contains("the attach hook exited 1");
        assertThat(j.get("downtime_ms").asDouble()).as("the downtime the cold boot cost").isEqualTo(3966.1);
        assertThat(j.get("generation").asInt()).isEqualTo(2);
        assertThat(j.get("switch_ms").isNull()).as("no switch completed").isTrue();
    }

    @Test
    void unmeasuredAbortedAndNormalRebootsValidateToo() {
        JsonNode aborted = Schemas.assertValid("reboot", RebootOutput.of(RebootFixtures.background(RebootFixtures.ABORTED)));
        assertThat(aborted.get("outcome").asText()).isEqualTo("aborted");
        assertThat(aborted.has("downtime_ms")).as("not measured: no client fields at all").isFalse();
        JsonNode normal = Schemas.assertValid("reboot", RebootOutput.of(RebootFixtures.measured(RebootFixtures.normal())));
        assertThat(normal.get("outcome").asText()).isEqualTo("rebooted");
        assertThat(normal.get("switch_mode").isNull()).isTrue();
        assertThat(normal.get("bg_share").isNull()).isTrue();
        assertThat(normal.get("acked_writes_during_bg_boot").isNull()).isTrue();
    }

    @Test
    void theSchemaRefusesWhatWouldMisleadAReader() {
        ObjectNode good = (ObjectNode) OutputJson.tree(RebootOutput.of(RebootFixtures.measured(RebootFixtures.background(RebootFixtures.COLD_BOOTED))));
        assertThat(Schemas.errors("reboot", good)).isEmpty();
        assertThat(Schemas.errors("reboot", good.deepCopy().put("outcome", "done"))).as("an unknown outcome").isNotEmpty();
        assertThat(Schemas.errors("reboot", good.deepCopy().putNull("failed_step"))).as("a cold boot without its failed step").isNotEmpty();
        assertThat(Schemas.errors("reboot", good.deepCopy().put("outcome", "switched"))).as("a fallback reported as a switch").isNotEmpty();
        assertThat(Schemas.errors("reboot", good.deepCopy().put("surprise", 1))).as("a field the schema does not know").isNotEmpty();
        ObjectNode noSchemaVersion = good.deepCopy();
        noSchemaVersion.remove("schema_version");
        assertThat(Schemas.errors("reboot", noSchemaVersion)).isNotEmpty();
        ObjectNode halfMeasured = good.deepCopy();
        halfMeasured.remove("acked_writes_lost");
        assertThat(Schemas.errors("reboot", halfMeasured)).as("measured, but without the lost writes").isNotEmpty();
        ObjectNode labelAsKey = good.deepCopy();
        ((ObjectNode) labelAsKey.get("steps_ms")).put("BG takes the network", 2.0);
        assertThat(Schemas.errors("reboot", labelAsKey)).as("a step label as a key").isNotEmpty();
    }
}
