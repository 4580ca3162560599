package org.bgreboot.reboot;

import java.util.Locale;
import org.bgreboot.engine.CpuShare;

/** How much of the host the clone may take while it boots beside FG. */
public enum BgShare {
    /** Idle priority on the host's last CPUs: it runs when nothing else wants the CPU, but shares caches and the CPUs FG's I/O needs. */
    IDLE,
    /** Idle priority, and while FG is busy a ceiling on the clone's CPU time ({@link IdleGovernor}). */
    ADAPTIVE,
    /** Like any process (to measure what the others save). */
    NORMAL;

    /** The engine's scheduling class for the clone. */
    CpuShare launchShare() {
        return this == NORMAL ? CpuShare.NORMAL : CpuShare.IDLE;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BgShare parse(String text) {
        for (BgShare s : values()) {
            if (s.label().equals(text)) {
                return s;
            }
        }
        throw new org.bgreboot.UserError("--bg-share " + text + " is unknown: use idle, adaptive or normal");
    }
}
