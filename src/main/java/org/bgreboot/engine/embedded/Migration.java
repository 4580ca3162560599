package org.bgreboot.engine.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.bgreboot.Sleep;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.engine.embedded.QemuCommand;

/** A VM's whole state saved to a file and loaded back (QEMU migration), and waiting for either. */
public final class Migration {
    private Migration() {}

    /** Stops the VM and saves its state (memory and devices) into {@code file}; it stays stopped. */
    public static void saveTo(QmpClient q, Path file, Duration timeout) {
        q.execute("stop");
        q.execute("migrate", Map.of("uri", "exec:cat > " + QemuCommand.shellQuoted(file)));
        awaitCompleted(q, timeout);
    }

    public static void awaitCompleted(QmpClient q, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode m = q.execute("query-migrate");
            String status = m.path("status").asText("");
            switch (status) {
                case "completed":
                    return;
                case "failed", "cancelled":
                    throw new IllegalStateException("migration " + status + ": " + m.path("error-desc").asText("no reason given"));
                default:
                    break;
            }
            // an incoming migration reports nothing until it starts; a loaded VM then sits paused
            if (status.isEmpty() && "paused".equals(q.execute("query-status").path("status").asText())) {
                return;
            }
            Sleep.ms(5);
        }
        throw new IllegalStateException("migration did not finish within " + timeout.toSeconds() + " s");
    }
}
