package org.bgreboot.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bgreboot.Home;
import org.bgreboot.UserError;

/**
 * The guest packages, built from guest/ by {@code guest/package/build-deb.sh} into the cache (a few
 * milliseconds when nothing changed): bgreboot-guest (the hooks) and bgreboot-svc (the test service).
 * An installed bgreboot has no guest/ sources: its Debian package carries both, prebuilt.
 */
public final class GuestPackages {
    private final Home home;

    public GuestPackages(Home home) {
        this.home = home;
    }

    /** The bgreboot-guest package. */
    public Path guest() {
        return build().get(0);
    }

    /**
     * What a guest without a package mirror needs pushed to keep services (guest/keep/bundle.sh):
     * criu, nftables and what they need against that guest's own dpkg status, downloaded once into
     * the cache, and bgreboot-keep last. Progress lines go to {@code progress}.
     */
    public List<Path> keepBundle(Path dpkgStatus, java.util.function.Consumer<String> progress) {
        Path script = home.guestSources().resolve("keep").resolve("bundle.sh");
        Path cache = home.cache().resolve("guests");
        try {
            Files.createDirectories(cache);
            Process p = new ProcessBuilder("bash", script.toString(), cache.toString(), dpkgStatus.toString()).start();
            p.getOutputStream().close();
            List<String> err = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            Thread stderr = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))
                    .lines().forEach(l -> {
                        err.add(l);
                        progress.accept(l);
                    }), "keep-bundle-stderr");
            stderr.setDaemon(true);
            stderr.start();
            List<Path> debs = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.endsWith(".deb")).map(Path::of).toList();
            int exit = p.waitFor();
            stderr.join(1000);
            if (exit != 0 || debs.isEmpty()) {
                throw new UserError("resolving the packages bgreboot-keep needs in the guest failed (" + (err.isEmpty() ? "exit " + exit
                        : err.get(err.size() - 1)) + "); run bash " + script + " " + cache + " STATUS with the guest's /var/lib/dpkg/status to see why");
            }
            return debs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private List<Path> build() {
        Path sources = home.guestSources();
        Path script = sources.resolve("package").resolve("build-deb.sh");
        if (!Files.exists(script)) {
            return prebuilt(sources); // an installed bgreboot: its package carries them, built with it
        }
        Path out = home.cache().resolve("packages");
        try {
            Files.createDirectories(out);
            Process p = new ProcessBuilder("bash", script.toString(), out.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            List<Path> debs = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.endsWith(".deb")).map(Path::of).toList();
            if (p.waitFor() != 0 || debs.isEmpty()) {
                throw new UserError("building the guest packages failed; run bash " + script + " " + out + " to see why");
            }
            return debs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The guest packages as the Debian package installs them: bgreboot-guest first, then bgreboot-svc. */
    static List<Path> prebuilt(Path dir) {
        return List.of(one(dir, "bgreboot-guest"), one(dir, "bgreboot-svc"));
    }

    private static Path one(Path dir, String name) {
        try (var files = Files.list(dir)) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().startsWith(name + "_") && p.toString().endsWith(".deb")).toList();
            if (debs.size() != 1) {
                throw new UserError("expected one " + name + " package in " + dir + ", found " + debs.size() + ": reinstall bgreboot");
            }
            return debs.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
