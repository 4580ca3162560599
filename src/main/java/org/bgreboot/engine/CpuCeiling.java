package org.bgreboot.engine;

import java.util.OptionalLong;

/** A ceiling on an instance's vCPUs, kept by the host (a cgroup's quota, libvirt's vcpu_quota). */
public interface CpuCeiling {

    /** At most {@code fraction} of one CPU per vCPU; 1 lifts the ceiling. */
    void set(double fraction);

    /** How long the host held the vCPUs back so far, by its own counters (cgroup cpu.stat), µs; empty where unreadable. */
    OptionalLong throttledMicros();

    /** Why {@link #throttledMicros} can never be read for this instance (its host's counters are out of reach); empty where it can. */
    default String whyUncounted() {
        return "";
    }
}
