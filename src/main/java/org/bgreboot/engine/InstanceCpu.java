package org.bgreboot.engine;

import java.util.OptionalLong;

/** How the host schedules an instance: its priority, its CPU time, and a ceiling where the engine has one. */
public interface InstanceCpu {

    void share(CpuShare share);

    /** How the host schedules it now, for reports: "SCHED_IDLE on CPU 1". */
    String policy();

    /** Its time on a CPU so far, all its threads; empty where the engine cannot tell. */
    OptionalLong usedNanos();

    /**
     * A ceiling on the guest's CPU time, for a clone booting while FG is busy; absent (with why)
     * where the engine or the host cannot cap this instance.
     */
    Capability<CpuCeiling> ceiling();
}
