package org.bgreboot.measure;

/**
 * What a client saw of one reboot; times are RunClock ms, answer times ({@code answeredMs}).
 * With no new boot seen, {@code firstNewMs} and {@code timeToNewOsMs} are NaN and the "after"
 * fields repeat the "before" ones. With no good answer at all, every time is NaN and every text null.
 */
public record DowntimeResult(double downtimeMs, double lastOldMs, double firstNewMs, double maxGapMs,
                             String versionBefore, String versionAfter, String kernelBefore, String kernelAfter,
                             String bootIdBefore, String bootIdAfter, double timeToNewOsMs) {

    /** Whether the new OS answered (a boot_id change was seen). */
    public boolean newBootSeen() {
        return !Double.isNaN(firstNewMs);
    }
}
