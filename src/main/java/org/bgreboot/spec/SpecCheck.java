package org.bgreboot.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bgreboot.UserError;

/**
 * The checks of values that several sections share, bound to one spec file: each failure is a
 * {@link UserError} of one line, "spec FILE: KEY ... what to write instead".
 */
final class SpecCheck {
    /** Names become directory names and QEMU ids: no '/', '..', spaces or shell metacharacters. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    private static final Pattern SERIAL = Pattern.compile("[A-Za-z0-9_-]{1,20}");
    private static final Pattern NETNS = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})\\s*(ms|s|m|min)?");

    private final Path file;
    private final Path dir;
    private final Optional<Path> stateRoot;

    /** @param stateRoot where VMs' state lives: no path of the spec may point into it */
    SpecCheck(Path file, Optional<Path> stateRoot) {
        this.file = file;
        this.dir = file.getParent();
        this.stateRoot = stateRoot;
    }

    /** Throws; declared to return so a caller may write {@code throw check.fail(...)} where Java needs it. */
    UserError fail(String message) {
        throw new UserError("spec " + file + ": " + message);
    }

    String require(String value, String key, String example) {
        if (value == null || value.isBlank()) {
            fail(key + " is missing: add " + example);
        }
        return value;
    }

    /** The VM's name, the same rule on every engine. */
    String name(String value) {
        String name = require(value, "name", "name = \"myvm\"");
        if (!NAME.matcher(name).matches()) {
            fail("name '" + shown(name) + "' is not allowed: use 1-32 lowercase letters, digits, '-' or '_' (no '/', '..', spaces or shell characters)");
        }
        return name;
    }

    /** A disk serial as the guest sees it under /dev/disk/by-id. */
    String serial(String key, String value) {
        if (!SERIAL.matcher(value).matches()) {
            fail(key + " '" + shown(value) + "' is not allowed: use up to 20 letters, digits, '-' or '_'");
        }
        return value;
    }

    /** A name of /run/netns, or "" for none. */
    String netns(String value) {
        String ns = value == null ? "" : value;
        if (!ns.isEmpty() && !NETNS.matcher(ns).matches()) {
            fail("network namespace '" + shown(ns) + "' is not a name of /run/netns (letters, digits, '-', '_', '.')");
        }
        return ns;
    }

    int port(String key, Integer value) {
        if (value == null || value < 1 || value > 65535) {
            fail(key + " = " + value + " is not a port: use 1-65535");
        }
        return value;
    }

    static boolean ipv4(String addr) {
        String[] parts = addr.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (!part.matches("\\d{1,3}") || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    Duration duration(String key, String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            fail(key + " '" + text + "' is not a duration: write it like 90s or 5m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.isZero()) {
            fail(key + " must be longer than 0");
        }
        return d;
    }

    /** A guest command: argv, no shell, its program absolute or a bare name. */
    List<String> argv(String key, List<String> argv) {
        if (argv == null || argv.isEmpty() || argv.get(0) == null || argv.get(0).isBlank()) {
            fail(key + " must be a non-empty argv array, like [\"/usr/sbin/bgreboot-release\"]");
        }
        if (!argv.get(0).startsWith("/") && argv.get(0).contains("/")) {
            fail(key + " program '" + argv.get(0) + "' must be an absolute path or a bare command name");
        }
        return List.copyOf(argv);
    }

    <E extends Enum<E>> E choice(String key, String text, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text)) {
                return e;
            }
        }
        throw fail(key + " = \"" + shown(text) + "\" is unknown: use " + Arrays.stream(type.getEnumConstants())
                .map(e -> "\"" + e.name().toLowerCase(Locale.ROOT) + "\"").collect(Collectors.joining(" or ")));
    }

    /** A file on this host, relative to the spec's folder, that bgreboot may read and did not make. */
    Path existingFile(String key, String value) {
        if (value == null || value.isBlank()) {
            fail(key + " is missing");
        }
        Path p = dir.resolve(value).normalize();
        if (stateRoot.isPresent() && p.startsWith(stateRoot.get())) {
            fail(key + " " + p + " is inside bgreboot's state directory " + stateRoot.get()
                    + ": files there belong to the VMs bgreboot runs; copy the image elsewhere");
        }
        if (Files.isDirectory(p)) {
            fail(key + " " + p + " is a directory: give the path of an image file");
        }
        if (!Files.isRegularFile(p)) {
            fail(key + " " + p + " does not exist: build or copy the image there, or fix the path");
        }
        if (!Files.isReadable(p)) {
            fail(key + " " + p + " is not readable by this user");
        }
        return p;
    }

    /** A value as it may appear in a one-line message: control characters escaped, long ones cut. */
    static String shown(String value) {
        StringBuilder b = new StringBuilder();
        value.codePoints().limit(40).forEach(c -> b.append(Character.isISOControl(c) ? String.format("\\x%02x", c) : Character.toString(c)));
        return value.length() > 40 ? b + "..." : b.toString();
    }
}
