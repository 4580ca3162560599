package org.bgreboot.reboot;

/** How the background clone takes over. */
public enum SwitchMode {
    /** Hand the persistent disk and network to the running clone: cost independent of memory. */
    HANDOVER,
    /**
     * Paper-faithful: save the clone's whole state and restore it into a fresh QEMU that has the
     * persistent disk; cost grows with memory. Kept for comparison.
     */
    RESTORE
}
