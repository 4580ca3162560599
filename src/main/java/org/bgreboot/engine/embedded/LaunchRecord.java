package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.Durable;
import org.bgreboot.state.Json;
import org.bgreboot.state.VmState;

/**
 * What a runtime directory's QEMU was started as and with ({@code launch.json}): its role, its
 * accelerator and why, the spec it runs (network identity, persistent disk) and what it runs of the
 * VM. Status, stop, recovery and the switch read this rather than the spec file, which may have been
 * edited, or broken, since.
 */
public record LaunchRecord(Accel accel, Launch.Role role, long startedAtEpochMs, String accelReason, VmSpec spec, VmState state) {

    static LaunchRecord of(Launch l, String accelReason) {
        return new LaunchRecord(l.accel(), l.role(), System.currentTimeMillis(), accelReason, l.spec(), l.state());
    }

    LaunchRecord as(Launch.Role newRole, String why) {
        return new LaunchRecord(accel, newRole, System.currentTimeMillis(), why, spec, state);
    }

    static Path file(RuntimeDir r) {
        return r.dir().resolve("launch.json");
    }

    public void write(RuntimeDir r) {
        try {
            Durable.write(file(r), Json.mapper().writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(r), e);
        }
    }

    public static Optional<LaunchRecord> read(RuntimeDir r) {
        try {
            return Optional.of(Json.mapper().readValue(file(r).toFile(), LaunchRecord.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
