package org.bgreboot.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/** What a runtime directory's QEMU was started as ({@code launch.json}), for status and recovery. */
public record LaunchRecord(Accel accel, Launch.Role role, long startedAtEpochMs, String accelReason) {

    static Path file(RuntimeDir r) {
        return r.dir().resolve("launch.json");
    }

    public void write(RuntimeDir r) {
        try {
            Durable.write(file(r), StateDir.JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(r), e);
        }
    }

    public static Optional<LaunchRecord> read(RuntimeDir r) {
        try {
            return Optional.of(StateDir.JSON.readValue(file(r).toFile(), LaunchRecord.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
