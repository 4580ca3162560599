package org.bgreboot.engine.memory;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories in memory (tmpfs) where the system has one: the journal is written
 * durably (fsync, twice per step), which costs milliseconds per write on a disk and nothing on
 * tmpfs. These tests check the flow's logic, not the disk.
 */
public final class ShmTempDir implements TempDirFactory {
    @Override public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "bgreboot-test-")
                : Files.createTempDirectory("bgreboot-test-");
    }
}
