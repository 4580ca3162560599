package org.bgreboot.engine.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.StateSaving;
import org.bgreboot.state.Durable;

/**
 * The paper-faithful switch's way of moving a clone: its whole state saved (QEMU migration to a
 * file) and loaded into a fresh QEMU ({@code -incoming}), in a runtime directory named after the
 * clone's ({@code g<N>-restored}), where recovery finds it by the clone's id. The saved file, as
 * large as the clone's memory, never outlives the move.
 */
record QemuStateSaving(Path stateDir, Runtimes runtimes, QemuLauncher launcher) implements StateSaving {

    @Override public Instance saveAndRestore(Instance instance, Duration timeout) {
        QemuProcess clone = (QemuProcess) instance;
        Path saved = stateDir.resolve("clone-state-" + clone.id().value());
        LaunchRecord record = LaunchRecord.read(clone.runtime()).orElseThrow(() ->
                new IllegalStateException("the clone's launch record is missing in " + clone.runtime().dir()));
        try {
            Optional<Long> placeholder = PersistentDiskPlug.placeholderBytes(clone.qmp());
            Migration.saveTo(clone.qmp(), saved, timeout);
            clone.quit(Duration.ofSeconds(10));
            clone.close();
            runtimes.remove(clone.runtime());
            RuntimeDir runtime = runtimes.create(Runtimes.restoredName(record.state().generation()));
            Launch launch = new Launch(record.spec(), clone.accel(), runtime, record.state(), Launch.Role.RESTORED, false, Optional.of(saved),
                    placeholder);
            QemuLauncher.Started started = launcher.launch(launch);
            record.as(Launch.Role.RESTORED, record.accelReason()).write(runtime);
            QemuProcess restored = new QemuProcess(started.pid(), runtime, clone.accel(), clone.spec(), started.qmp());
            Migration.awaitCompleted(restored.qmp(), timeout);
            restored.qmp().execute("cont");
            return restored;
        } finally {
            Durable.deleteIfExists(saved);
        }
    }
}
