package org.bgreboot.watch;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.state.Durable;
import org.bgreboot.state.Json;

/** The VMs watch does not retry, one file per VM in its state folder ({@value #FILE}). */
public final class Holds {
    static final String FILE = "watch-held.json";
    private static final ObjectMapper JSON = Json.mapper();

    private final Home home;

    public Holds(Home home) {
        this.home = home;
    }

    public Optional<HeldReboot> get(String vm) {
        return read(home.stateDir(vm));
    }

    /** The hold recorded in a VM's state folder, if any. */
    public static Optional<HeldReboot> read(org.bgreboot.state.StateDir dir) {
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(dir.path().resolve(FILE)), HeldReboot.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // a broken record holds nothing back
        }
    }

    /** The hold that applies to {@code update}: none when its update has changed since. */
    public Optional<HeldReboot> holding(String vm, PendingUpdate update) {
        return get(vm).filter(h -> h.update().equals(update));
    }

    public void hold(HeldReboot h) {
        try {
            home.stateDir(h.vm()).create();
            Durable.write(file(h.vm()), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(h));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(h.vm()), e);
        }
    }

    public void release(String vm) {
        Durable.deleteIfExists(file(vm));
    }

    private Path file(String vm) {
        return home.stateDir(vm).path().resolve(FILE);
    }
}
