package org.bgreboot.agent;

/** What {@code guest-fsfreeze-status} reports. */
public enum FsFreezeStatus {
    THAWED,
    FROZEN
}
