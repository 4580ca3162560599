package org.bgreboot.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * The names a clone will create, decided by the engine before anything is created and journaled
 * with the reboot, so recovery knows what may exist.
 *
 * @param fg          the serving instance at the clone point
 * @param bg          the clone
 * @param fgOverlays  the layers FG writes to now; at the clone point they become read-only, shared
 * @param fgScratch   where FG writes after the clone point; discarded once the switch is done
 * @param bgOverlays  the clone's layers over the clone point; they become the VM's
 */
public record ClonePlan(InstanceId fg, InstanceId bg, List<Path> fgOverlays, List<Path> fgScratch, List<Path> bgOverlays) {
    public ClonePlan {
        fgOverlays = List.copyOf(fgOverlays);
        fgScratch = List.copyOf(fgScratch);
        bgOverlays = List.copyOf(bgOverlays);
    }
}
