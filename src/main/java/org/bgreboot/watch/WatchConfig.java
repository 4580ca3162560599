package org.bgreboot.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bgreboot.UserError;

/**
 * {@code watch --config FILE} (the unit's {@code /etc/bgreboot/watch.toml}): the options as TOML
 * keys of the same names, {@code max_unavailable} for {@code --max-unavailable}; lists for the
 * options that may be given more than once. What the command line gives wins over the file.
 */
public record WatchConfig(List<String> connect, Optional<String> interval, List<String> window, Optional<Integer> parallel,
                          Optional<Integer> maxUnavailable, Optional<String> blockCommand, Optional<String> notifyCommand,
                          Optional<String> metricsListen, Optional<Boolean> measure) {
    static final Set<String> KEYS = Set.of("connect", "interval", "window", "parallel", "max_unavailable", "block_command", "notify_command",
            "metrics_listen", "measure");

    public static WatchConfig none() {
        return new WatchConfig(List.of(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    public static WatchConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserError("no config file at " + file + ": give the path of a watch.toml (see 'bgreboot watch --help')");
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (IOException e) {
            throw new UserError(file + " is not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new UserError(file + ": unknown key '" + k + "': the keys are " + String.join(", ", KEYS.stream().sorted().toList()));
            }
        }
        return new WatchConfig(strings(file, root, "connect"), string(file, root, "interval"), strings(file, root, "window"),
                integer(file, root, "parallel"), integer(file, root, "max_unavailable"), string(file, root, "block_command"),
                string(file, root, "notify_command"), string(file, root, "metrics_listen"),
                Optional.ofNullable(root.get("measure")).map(n -> {
                    if (!n.isBoolean()) {
                        throw new UserError(file + ": measure must be true or false");
                    }
                    return n.asBoolean();
                }));
    }

    private static Optional<String> string(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw new UserError(file + ": " + key + " must be a string, in quotes");
        }
        return Optional.of(n.asText());
    }

    private static Optional<Integer> integer(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new UserError(file + ": " + key + " must be a whole number");
        }
        return Optional.of(n.asInt());
    }

    /** A list of strings, or one string. */
    private static List<String> strings(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null) {
            return List.of();
        }
        if (n.isTextual()) {
            return List.of(n.asText());
        }
        if (!n.isArray()) {
            throw new UserError(file + ": " + key + " must be a list of strings, e.g. [\"...\", \"...\"]");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new UserError(file + ": " + key + " must be a list of strings, e.g. [\"...\", \"...\"]");
            }
            out.add(e.asText());
        }
        return out;
    }

    /** The command line's value, else the file's, else the default. */
    public static <T> T or(Optional<T> cli, Optional<T> file, T fallback) {
        return cli.or(() -> file).orElse(fallback);
    }
}
