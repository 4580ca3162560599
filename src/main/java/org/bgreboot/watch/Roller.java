package org.bgreboot.watch;

import java.nio.file.Path;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.FleetRequest;
import org.bgreboot.fleet.RollHooks;

/** How watch rolls its VMs: with the fleet's machinery ({@link org.bgreboot.fleet.Fleet}). */
public interface Roller {
    FleetReport roll(FleetRequest request, RollHooks hooks);

    /** Continues a roll from its journal (VMs caught mid-reboot recovered first). */
    FleetReport resume(Path journal, RollHooks hooks);
}
