package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.Durable;
import org.bgreboot.state.Json;
import org.bgreboot.state.VmState;

/**
 * What a runtime directory's QEMU was started as and with ({@code launch.json}): its role, its
 * accelerator and why, the generation, layers and kernel it runs. Status, recovery and the restore
 * switch read it instead of the spec, which may have been edited since.
 */
public record LaunchRecord(Accel accel, Launch.Role role, long startedAtEpochMs, String accelReason,
                           int generation, List<Path> systemOverlays, Optional<VmSpec.KernelBoot> boot) {

    static LaunchRecord of(Launch l, String accelReason) {
        return new LaunchRecord(l.accel(), l.role(), System.currentTimeMillis(), accelReason, l.generation(), l.systemOverlays(), l.boot());
    }

    LaunchRecord as(Launch.Role newRole, String why) {
        return new LaunchRecord(accel, newRole, System.currentTimeMillis(), why, generation, systemOverlays, boot);
    }

    /** The VM state this process runs. */
    VmState state() {
        return new VmState(generation, systemOverlays, boot);
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
