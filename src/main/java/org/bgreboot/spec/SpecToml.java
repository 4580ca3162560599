package org.bgreboot.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.util.stream.Collectors;
import org.bgreboot.UserError;

/**
 * Maps a spec's TOML onto {@link SpecFile}, checking only its shape: TOML syntax, known keys,
 * types. Each mistake is one line naming the key, and for an unknown one the keys known there.
 */
final class SpecToml {
    private static final TomlMapper MAPPER = TomlMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // cpus = 2.5 is a mistake, not 2
            .build();

    private SpecToml() {}

    /** @param file the spec as the user named it, for messages */
    static SpecFile read(String text, String file) {
        SpecFile raw;
        try {
            raw = MAPPER.readValue(text, SpecFile.class);
        } catch (UnrecognizedPropertyException e) {
            String where = e.getPath().size() > 1 ? " in " + section(e) : "";
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new UserError("spec " + file + ": unknown key '" + e.getPropertyName() + "'" + where + "; known keys there: " + known);
        } catch (MismatchedInputException e) {
            throw new UserError("spec " + file + ": key '" + pathOf(e) + "' has the wrong type: " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new UserError("spec " + file + " is not valid TOML: " + firstLine(e.getOriginalMessage())
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (raw == null || text.isBlank()) {
            throw new UserError("spec " + file + " is empty: it needs at least name, memory, [[system_disk]] and [persistent_disk]");
        }
        return raw;
    }

    private static String section(JsonMappingException e) {
        String head = e.getPath().get(0).getFieldName();
        return head == null ? "the spec" : SpecFile.SECTIONS.getOrDefault(head, "[" + head + "]");
    }

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
