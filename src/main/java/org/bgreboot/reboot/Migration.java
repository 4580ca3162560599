package org.bgreboot.reboot;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.bgreboot.Sleep;
import org.bgreboot.qmp.QmpClient;

/** Waiting for a migration (saving state to a file, or loading it) to finish, by polling query-migrate. */
public final class Migration {
    private Migration() {}

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
