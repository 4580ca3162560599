package org.bgreboot.watch;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A VM the watch does not reboot again until its update changes: its last reboot into
 * {@code update} aborted (the update did not boot, was not ready...), fell back to a cold boot, or
 * left it down. Kept in the VM's state folder; {@code vm status} and the metrics show it.
 *
 * @param outcome the reboot's outcome ({@code aborted}, {@code cold_booted}, {@code down})
 * @param reason  what the outcome said
 * @param at      when (ISO-8601, UTC)
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record HeldReboot(String vm, String host, String outcome, String reason, String at, PendingUpdate update) {
    /** One line for people. */
    public String describe() {
        return "not rebooted again by watch until its update changes: its reboot on " + at + " ended " + outcome
                + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")") + "; the update then: " + update.describe();
    }

    @JsonProperty("retry_when")
    public String retryWhen() {
        return "when the kernel it boots next, its reboot-required packages or its reasons change; or once it needs no reboot "
                + "(after a manual 'bgreboot reboot " + vm + "', say)";
    }
}
