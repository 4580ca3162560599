package org.bgreboot.engine;

/** How much of the host's CPU an instance may take. */
public enum CpuShare {
    /** A clone booting beside the serving VM: idle priority, on the host's last CPUs only. */
    IDLE,
    /** The serving VM, or a clone about to become it. */
    NORMAL
}
