package org.bgreboot.watch;

import java.io.PrintStream;
import java.nio.file.Path;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.fleet.Fleet;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.FleetRequest;
import org.bgreboot.fleet.RollHooks;

/** Rolls through the fleet's public entry points: its plan, waves, limits, memory admission, journal and resume. */
public final class FleetRoller implements Roller {
    private final Fleet fleet;

    public FleetRoller(Home home, PrintStream out, Progress progress) {
        this.fleet = new Fleet(home, out, progress, false);
    }

    @Override public FleetReport roll(FleetRequest request, RollHooks hooks) {
        return fleet.roll(request, hooks);
    }

    @Override public FleetReport resume(Path journal, RollHooks hooks) {
        return fleet.resume(journal, hooks);
    }
}
