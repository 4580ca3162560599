package org.bgreboot.reboot;

import java.util.Locale;

/**
 * The names of a reboot's steps, as the journal, fault points and listeners know them. What each
 * step does, its undo, and the order of the flow are {@link BackgroundSteps}' (this enum's order
 * means nothing). The last four belong to in-place reboots, which have no clone.
 */
public enum Step {
    PLAN,
    PREPARE_CLONE,
    CUT,
    CLONE_DISKS,
    LAUNCH_CLONE,
    AWAIT_READY,
    TAKE_NETWORK,
    RELEASE,
    STOP_FG,
    RESTORE_CLONE,
    PLUG_DISK,
    ATTACH,
    PROMOTE,
    RETIRE,

    GUEST_REBOOT,
    KEXEC,
    POWER_OFF,
    COLD_START;

    /** Its name in the journal, fault points ({@code before:stop_fg}) and JSON. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
