package org.bgreboot.engine;

/** How a guest is asked to power off, in the order a clean stop tries them. */
public enum PowerOffRequest {
    /** Through the guest agent: the guest's own clean shutdown. */
    AGENT,
    /** The ACPI power button: for a guest whose agent does not answer. */
    ACPI
}
