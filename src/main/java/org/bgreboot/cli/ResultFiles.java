package org.bgreboot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.UserError;

/** Writes result files: JSON where asked, pictures beside it (same name, other extension). */
final class ResultFiles {
    private ResultFiles() {}

    static void writeJson(Path file, Object value) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.write(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** {@code results.json} → {@code results.svg}; {@code results} → {@code results.svg}. */
    static Path beside(Path json, String suffix) {
        String name = json.getFileName().toString().replaceFirst("\\.json$", "");
        return json.resolveSibling(name + suffix);
    }

    static void writeText(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
