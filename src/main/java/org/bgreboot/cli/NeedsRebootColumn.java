package org.bgreboot.cli;

import java.time.Duration;
import org.bgreboot.engine.Instance;
import org.bgreboot.installed.InstalledProbe;
import org.bgreboot.installed.NeedsReboot;

/** What {@code vm list} says of a running VM's pending reboot: asked through its agent, briefly; a guest that does not answer says so. */
final class NeedsRebootColumn {
    private NeedsRebootColumn() {}

    static String of(Instance serving) {
        try {
            NeedsReboot n = InstalledProbe.ask(serving.agent(), Duration.ofSeconds(10));
            return n.needed() ? "yes (" + String.join("; ", n.reasons()) + ")" : "no";
        } catch (RuntimeException e) {
            return "unknown (the agent does not answer)";
        }
    }
}
