package org.bgreboot.engine;

import java.util.OptionalLong;

/** A ceiling on an instance's vCPUs, kept by the host (a cgroup's quota, libvirt's vcpu_quota). */
public interface CpuCeiling {

    /** At most {@code fraction} of one CPU per vCPU; 1 lifts the ceiling. */
    void set(double fraction);

    /** How long the host held the vCPUs back so far, by its own counters (cgroup cpu.stat), µs; empty where unreadable. */
    OptionalLong throttledMicros();
}
