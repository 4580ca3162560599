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

    private List<Path> build() {
        Path script = home.guestSources().resolve("package").resolve("build-deb.sh");
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
}
