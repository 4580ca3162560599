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

    /** The environment variable that sets the host's default share, for every command that reboots. */
    public static final String ENV = "BGREBOOT_BG_SHARE";

    public static BgShare parse(String text) {
        return parse(text, "--bg-share " + text);
    }

    /**
     * The share a reboot gets when none is asked: {@value #ENV} if set (a host whose VMs' throughput
     * matters less than how long their reboots take: {@code normal}), else adaptive.
     */
    public static BgShare byDefault() {
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? ADAPTIVE : parse(env.strip(), ENV + "=" + env.strip());
    }

    private static BgShare parse(String text, String what) {
        for (BgShare s : values()) {
            if (s.label().equals(text)) {
                return s;
            }
        }
        throw new org.bgreboot.UserError(what + " is unknown: use idle, adaptive or normal");
    }
}
