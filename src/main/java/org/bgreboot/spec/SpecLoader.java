package org.bgreboot.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.UserError;

/**
 * Reads and validates a VM spec. Every problem becomes a {@link UserError} of one line naming the
 * file, the key and what to write instead. Relative paths are taken relative to the spec file.
 * {@link SpecToml} checks the TOML's shape; {@link EmbeddedSpec} or {@link LibvirtSpec}, by the
 * spec's engine, checks what it says, section by section.
 */
public final class SpecLoader {
    private final long hostMemoryBytes;
    private final Optional<Path> stateRoot;

    /** @param stateRoot where VMs' state lives ({@code BGREBOOT_HOME/vms}): no spec may point into it */
    public SpecLoader(long hostMemoryBytes, Optional<Path> stateRoot) {
        this.hostMemoryBytes = hostMemoryBytes;
        this.stateRoot = stateRoot.map(r -> r.toAbsolutePath().normalize());
    }

    public SpecLoader(long hostMemoryBytes) {
        this(hostMemoryBytes, Optional.empty());
    }

    public static SpecLoader forThisHost() {
        return new SpecLoader(HostInfo.memoryBytes(), Optional.empty());
    }

    public static SpecLoader forThisHost(Path stateRoot) {
        return new SpecLoader(HostInfo.memoryBytes(), Optional.of(stateRoot));
    }

    public VmSpec load(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        String text;
        try {
            text = Files.readString(abs);
        } catch (NoSuchFileException e) {
            throw new UserError("spec " + file + " does not exist: give the path of a VM spec (.toml) or the name of one in the specs directory");
        } catch (IOException e) {
            throw new UserError("cannot read spec " + file + ": " + e.getMessage());
        }
        return parse(abs, file.toString(), text);
    }

    /**
     * A spec kept elsewhere than in a file (a libvirt domain's metadata): {@code origin} names it in
     * messages. Such a spec must use absolute paths.
     */
    public VmSpec loadText(String text, Path origin) {
        return parse(origin.toAbsolutePath().normalize(), origin.toString(), text);
    }

    private VmSpec parse(Path abs, String file, String text) {
        SpecFile raw = SpecToml.read(text, file);
        SpecCheck check = new SpecCheck(abs, stateRoot);
        return LibvirtSpec.isOne(raw) ? LibvirtSpec.read(abs, raw, text, check) : EmbeddedSpec.read(abs, raw, hostMemoryBytes, check);
    }
}
