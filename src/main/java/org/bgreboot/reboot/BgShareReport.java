package org.bgreboot.reboot;

/**
 * How the clone really shared the host while it booted, beside what was asked.
 *
 * @param requested       the policy asked for
 * @param effective       the policy that ran: {@code adaptive} falls back to {@code idle} when the clone cannot be capped
 * @param cappedMs        how long the host held the clone's vCPUs back, by the cgroup's own counters; NaN where unreadable
 * @param cappedWindowsMs how long the governor kept a ceiling on the clone (its own bookkeeping: when the cap was set)
 * @param deadlineReached whether the clone got its fair share past the deadline
 * @param note            why the effective policy differs from the requested one, or what failed; empty when all went as asked
 */
public record BgShareReport(BgShare requested, BgShare effective, double cappedMs, double cappedWindowsMs, boolean deadlineReached,
                            String note) {}
