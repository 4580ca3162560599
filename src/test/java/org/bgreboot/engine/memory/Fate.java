package org.bgreboot.engine.memory;

/** What a booting guest does once its boot time has passed. */
public enum Fate {
    /** Comes up: agent, console line, readiness command, service. */
    BOOTS,
    /** The kernel panics; the hypervisor pauses it (a clone's panic action). */
    PANICS,
    /** Its hypervisor process exits. */
    DIES,
    /** The guest shuts itself down. */
    SHUTS_DOWN,
    /** Never comes up: no agent, no console line, ever. */
    HANGS,
    /** Comes up, but its readiness command keeps failing and its service does not answer. */
    NOT_READY
}
