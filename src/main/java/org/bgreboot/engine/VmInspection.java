package org.bgreboot.engine;

import java.util.List;

/** What bgreboot checks of a VM before and after a reboot, and what {@code vm status} shows. */
public interface VmInspection {

    /**
     * How the spec now differs from what the serving instance was started with (its persistent
     * disk, network identity, memory...), one line each; empty when it runs as specified or not at all.
     */
    List<String> specDrift();

    /** Free space where the clone's layers go. */
    FreeSpace freeSpace();

    /** How many layers the serving system disk's backing chain has: it must stay short. */
    int chainDepth();

    /** What should not be there when no reboot is under way: stray files, definitions. */
    List<String> leftovers();

    record FreeSpace(long bytes, String where) {}
}
