package org.bgreboot.watch;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.state.Durable;
import org.bgreboot.state.Json;

/**
 * The roll a watch has under way, by its fleet journal, kept under BGREBOOT_HOME/watch/ (one file
 * per set of hosts): written before the roll's first reboot starts, removed once every VM of it has
 * ended. A watch killed or restarted finds it there and resumes that roll before anything new.
 */
public final class RollRecord {
    private static final ObjectMapper JSON = Json.mapper();

    private final Path file;

    public RollRecord(Path watchDir, List<String> hosts) {
        this.file = watchDir.resolve("roll-" + key(hosts) + ".json");
    }

    public Path file() {
        return file;
    }

    public Optional<Path> current() {
        try {
            Map<?, ?> m = JSON.readValue(Files.readAllBytes(file), Map.class);
            return m.get("journal") instanceof String s && Files.exists(Path.of(s)) ? Optional.of(Path.of(s)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void begin(Path journal) {
        try {
            Files.createDirectories(file.getParent());
            Durable.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(Map.of("journal", journal.toString())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public void end() {
        Durable.deleteIfExists(file);
    }

    private static String key(List<String> hosts) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(String.join("\n", hosts.stream().sorted().toList()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
