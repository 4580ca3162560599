package org.bgreboot.guest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/**
 * Finds a VM spec from what the user typed: a path to a .toml file, or a name in the specs
 * directory. The built-in guests ({@code demo}, {@code debian11}, {@code debian12}, {@code debian13},
 * {@code debian12-unattended}, and {@code debian}, {@code debian-plain}, {@code debian-postgres}: Debian
 * 12) get their image built and their spec written on first use.
 */
public final class Specs {
    /** Built-in guest → (memory, host port of its service; PostgreSQL's is the next one). */
    private static final Map<String, Builtin> BUILTINS = Map.of(
            "demo", new Builtin(ByteSize.ofMiB(512), 18080),
            "debian", new Builtin(ByteSize.ofMiB(1024), 18081),
            "debian-plain", new Builtin(ByteSize.ofMiB(1024), 18082),
            "debian-postgres", new Builtin(ByteSize.ofMiB(1024), 18084),
            "debian11", new Builtin(ByteSize.ofMiB(1024), 18086),
            "debian12", new Builtin(ByteSize.ofMiB(1024), 18087),
            "debian13", new Builtin(ByteSize.ofMiB(1024), 18088),
            "debian12-unattended", new Builtin(ByteSize.ofMiB(1024), 18089));

    private record Builtin(ByteSize memory, int port) {}

    private final Home home;
    private final SpecLoader loader;

    public Specs(Home home, SpecLoader loader) {
        this.home = home;
        this.loader = loader;
    }

    /** Loads the spec; a spec given by path is registered under its name, so later commands can use the name. */
    public VmSpec resolve(String ref, Progress progress) {
        VmSpec spec = loader.load(locate(ref, progress));
        register(spec);
        return spec;
    }

    /** Forgets a spec registered by {@link #resolve} (a VM whose first start was refused). */
    public void unregister(VmSpec spec) {
        Path named = home.specs().resolve(spec.name() + ".toml");
        try {
            if (Files.isSymbolicLink(named) && Files.readSymbolicLink(named).equals(spec.file())) {
                Files.delete(named);
            }
        } catch (java.io.IOException e) {
            throw new UserError("cannot unregister " + named + ": " + e.getMessage());
        }
    }

    private void register(VmSpec spec) {
        Path named = home.specs().resolve(spec.name() + ".toml");
        try {
            if (Files.exists(named)) {
                if (!Files.isSameFile(named, spec.file())) {
                    throw new UserError("a VM named '" + spec.name() + "' already exists with the spec " + named.toRealPath()
                            + "; give this one another name in " + spec.file());
                }
                return;
            }
            Files.createDirectories(home.specs());
            Files.deleteIfExists(named); // a dangling link to a spec that was moved away
            Files.createSymbolicLink(named, spec.file());
        } catch (java.io.IOException e) {
            throw new UserError("cannot register spec " + spec.file() + " as " + named + ": " + e.getMessage());
        }
    }

    /**
     * A built-in guest's VM on a bridge: its own name ({@code demo-bridge}), state and persistent
     * disk, so it never meets the user-networking one's.
     */
    public VmSpec bridged(String guest, GuestSpecs.Bridge place, Progress progress) {
        Builtin builtin = BUILTINS.get(guest);
        if (builtin == null) {
            throw new UserError("'" + guest + "' is not a built-in guest: use " + String.join(" or ", BUILTINS.keySet()));
        }
        String name = guest + "-bridge";
        GuestImage image = new GuestBuilder(home).ensure(guest, progress::step);
        Path persistent = home.home().resolve("data").resolve(name).resolve("persist.img");
        Path file = home.specs().resolve(name + ".toml");
        GuestSpecs.write(new GuestSpecs.Request(name, image, builtin.memory(), 0, persistent, java.util.Optional.of(place)), file);
        return resolve(file.toString(), progress);
    }

    public Path locate(String ref, Progress progress) {
        if (ref.endsWith(".toml") || ref.contains("/")) {
            return Path.of(ref);
        }
        if (!ref.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            throw new UserError("'" + ref + "' is neither a spec file (.toml) nor a VM name (lowercase letters, digits, '-', '_')");
        }
        Path file = home.specs().resolve(ref + ".toml");
        Builtin builtin = BUILTINS.get(ref);
        if (builtin != null) {
            // rebuilt only when the guest's inputs change; the spec follows the image
            GuestImage image = new GuestBuilder(home).ensure(ref, line -> progress.step(line));
            Path persistent = home.home().resolve("data").resolve(ref).resolve("persist.img");
            GuestSpecs.write(new GuestSpecs.Request(ref, image, builtin.memory(), builtin.port(), persistent), file);
        } else if (!Files.exists(file)) {
            throw new UserError("no VM named '" + ref + "': there is no " + file + "; give the path of a spec file instead");
        }
        return file;
    }
}
