package org.bgreboot.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The outputs' JSON Schemas (docs/schema/NAME.schema.json, draft 2020-12), read as a user's
 * validator reads them, from their files, and what an output breaks of them. Shared by unit tests
 * (outputs of realistic records) and integration tests (outputs of real runs).
 */
public final class Schemas {
    /** The repository's docs/schema (the build runs in the repository). */
    public static final Path DIR = Path.of(System.getProperty("user.dir"), "docs", "schema");
    /** Reads the schema files (and the $refs between them) from docs/schema; fetches nothing from the network. */
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemas(Schemas::fileContent));
    private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();

    private Schemas() {}

    private static String fileContent(String iri) {
        if (!iri.startsWith("file:")) {
            return null;
        }
        try {
            return Files.readString(Path.of(URI.create(iri)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema " + iri, e);
        }
    }

    /** docs/schema/{@code name}.schema.json: reboot, demo, bench, fleet or soak. */
    public static Schema schema(String name) {
        return LOADED.computeIfAbsent(name, n -> {
            Schema s = REGISTRY.getSchema(SchemaLocation.of(DIR.resolve(n + ".schema.json").toUri().toString()));
            s.initializeValidators(); // resolves every $ref now: a broken one fails here, not half-way through a document
            return s;
        });
    }

    public static List<Error> errors(String name, JsonNode output) {
        return schema(name).validate(output);
    }

    /** Fails with every violation, each with where it is in the output. */
    public static JsonNode assertValid(String name, JsonNode output) {
        List<Error> errors = errors(name, output);
        assertThat(errors).as("the output breaks docs/schema/" + name + ".schema.json:\n" + String.join("\n",
                errors.stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList()) + "\nin\n" + output.toPrettyString()).isEmpty();
        return output;
    }

    /** An output record as its file would hold it, validated. */
    public static JsonNode assertValid(String name, Record output) {
        return assertValid(name, OutputJson.tree(output));
    }

    /** A JSON file a command wrote, validated; its content returned for the test's own checks. */
    public static JsonNode assertValidFile(String name, Path file) {
        try {
            return assertValid(name, new ObjectMapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
