package org.bgreboot.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.UserError;
import org.bgreboot.output.OutputJson;

/** Writes result files: JSON where asked, pictures beside it (same name, other extension). */
final class ResultFiles {
    private ResultFiles() {}

    /** An output record, by the outputs' one mapper. */
    static void writeJson(Path file, Record value) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.write(file, OutputJson.bytes(value));
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
