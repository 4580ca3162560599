package org.bgreboot.engine;

/**
 * The system disks' clone point: FG moves onto scratch layers in one atomic cut, the layers it
 * leaves become the clone's read-only base. Every undo is safe to repeat and to run after any part
 * of the forward steps.
 */
public interface ClonePoint {

    /** Everything the cut needs that can be done while FG runs (create and open scratch layers). */
    void prepare(Instance fg, ClonePlan plan);

    /** The cut itself, every system disk at the same instant: the only part inside FG's freeze. */
    void cut(Instance fg, ClonePlan plan);

    /** The clone's own layers over the clone point. */
    void createCloneDisks(ClonePlan plan);

    void deleteCloneDisks(ClonePlan plan);

    /**
     * Puts FG back on the layers it had before {@link #prepare}, with every write it made since
     * (an abort). Does nothing where nothing was done.
     */
    void undo(Instance fg, ClonePlan plan);

    /**
     * The layers that hold FG's latest system-disk state: its scratch layers once the cut
     * happened, else the layers it had. What FG's disks are booted from if FG died before the switch.
     */
    java.util.List<java.nio.file.Path> fgLayers(ClonePlan plan);

    /**
     * After the switch: the layers of the old generation go and the new VM's chain is kept short
     * (the clone point is merged into the new layer), so a hundred reboots leave no hundred-deep chain.
     */
    void retire(Instance serving, ClonePlan plan);
}
