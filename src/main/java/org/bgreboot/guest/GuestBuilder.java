package org.bgreboot.guest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.bgreboot.Home;
import org.bgreboot.UserError;

/**
 * Runs a guest builder ({@code guest/<kind>/build.sh}). The builders cache their output and rebuild
 * only when their inputs change, so calling this on every use costs well under a second.
 */
public final class GuestBuilder {
    /**
     * Each guest bgreboot builds: its builder (guest/DIR/build.sh) and the arguments after the cache
     * directory (the Debian builder's variant and release).
     */
    private record Kind(String builder, List<String> args) {}

    private static final Map<String, Kind> BUILDS = Map.of(
            "demo", new Kind("demo", List.of()),
            "debian11", new Kind("debian", List.of("bgreboot", "bullseye")),
            "debian12", new Kind("debian", List.of("bgreboot", "bookworm")),
            "debian13", new Kind("debian", List.of("bgreboot", "trixie")),
            "debian12-plain", new Kind("debian", List.of("plain", "bookworm")),
            "debian12-postgres", new Kind("debian", List.of("postgres", "bookworm")),
            "debian12-unattended", new Kind("debian", List.of("unattended", "bookworm")));

    /** Older names, kept: the Debian 12 guests from before there were three releases. */
    private static final Map<String, String> ALIASES = Map.of(
            "debian", "debian12",
            "debian-plain", "debian12-plain",
            "debian-postgres", "debian12-postgres");

    public static final Set<String> KINDS = java.util.stream.Stream.concat(BUILDS.keySet().stream(), ALIASES.keySet().stream())
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    private final Home home;

    public GuestBuilder(Home home) {
        this.home = home;
    }

    /** Builds (or finds) the guest; builder progress lines go to {@code progress}. */
    public GuestImage ensure(String kind, Consumer<String> progress) {
        Kind build = BUILDS.get(ALIASES.getOrDefault(kind, kind));
        if (build == null) {
            throw new UserError("unknown guest '" + kind + "': use one of " + String.join(", ", KINDS.stream().sorted().toList()));
        }
        Path script = home.guestSources().resolve(build.builder()).resolve("build.sh");
        if (!Files.exists(script)) {
            throw new UserError("the built-in " + kind + " guest is built from a checkout of bgreboot's sources, and "
                    + script + " is not there: start a VM from your own spec, or run bgreboot from a checkout (./bgreboot)");
        }
        Path cache = home.cache().resolve("guests");
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), cache.toString()));
        command.addAll(build.args());
        try {
            Files.createDirectories(cache);
            Process p = new ProcessBuilder(command).start();
            p.getOutputStream().close();
            Thread stderr = new Thread(() -> forward(p, progress), "guest-build-stderr");
            stderr.setDaemon(true);
            stderr.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.waitFor();
            stderr.join(1000);
            List<String> lines = out.lines().filter(s -> !s.isBlank()).toList();
            if (exit != 0 || lines.isEmpty()) {
                throw new UserError("building the " + kind + " guest failed (exit " + exit + "); run " + String.join(" ", command) + " to see why");
            }
            // the real, content-named directory: a VM's overlays must keep pointing at the build they
            // were made on, not at whatever "demo" points to after the next rebuild
            return GuestImage.read(Path.of(lines.get(lines.size() - 1).strip()).toRealPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the " + kind + " guest", e);
        }
    }

    private static void forward(Process p, Consumer<String> progress) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                progress.accept(line);
            }
        } catch (IOException e) {
            // the builder ended; its exit status tells the rest
        }
    }
}
