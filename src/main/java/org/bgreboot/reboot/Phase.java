package org.bgreboot.reboot;

/** The phases of a reboot, in order; ABORT can follow any phase before SWITCH's point of no return. */
public enum Phase {
    PREPARE, CLONE, BG_BOOT, READY, SWITCH, DONE, ABORT
}
