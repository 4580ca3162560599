package org.bgreboot;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where bgreboot keeps things. {@code BGREBOOT_HOME} holds specs and per-VM state; {@code
 * BGREBOOT_CACHE} holds built guest images and downloads (shared, rebuilt only when inputs change).
 * Both default to system locations for root and XDG locations otherwise.
 */
public record Home(Path home, Path cache, Path repo) {

    public static Home fromEnvironment() {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path userHome = Path.of(System.getProperty("user.home"));
        Path home = env("BGREBOOT_HOME", root ? Path.of("/var/lib/bgreboot") : userHome.resolve(".local/share/bgreboot"));
        Path cache = env("BGREBOOT_CACHE", root ? Path.of("/var/cache/bgreboot") : userHome.resolve(".cache/bgreboot"));
        Path repo = env("BGREBOOT_REPO", Path.of("").toAbsolutePath());
        return new Home(home, cache, repo);
    }

    private static Path env(String name, Path fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Path.of(v).toAbsolutePath();
    }

    public Path specs() {
        return home.resolve("specs");
    }

    public Path vms() {
        return home.resolve("vms");
    }

    /** Where bgreboot keeps its records of the VM called {@code name}. */
    public org.bgreboot.state.StateDir stateDir(String name) {
        return new org.bgreboot.state.StateDir(vms().resolve(name));
    }

    /** Where the Debian package puts what bgreboot ships for guests: the guest packages, prebuilt. */
    public static final Path INSTALLED_GUEST = Path.of("/usr/share/bgreboot/guest");

    /**
     * The guest/ directory of the checkout (guest builders and what runs inside guests), else that
     * of the installed package, which holds only the prebuilt guest packages.
     */
    public Path guestSources() {
        return guestSources(repo, INSTALLED_GUEST);
    }

    static Path guestSources(Path repo, Path installed) {
        Path g = repo.resolve("guest");
        if (Files.isDirectory(g)) {
            return g;
        }
        if (Files.isDirectory(installed)) {
            return installed;
        }
        throw new UserError("cannot find the guest/ directory under " + repo + " nor " + installed
                + ": install the bgreboot package, or run bgreboot through the ./bgreboot launcher of a checkout, or set BGREBOOT_REPO");
    }
}
