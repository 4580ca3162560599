package org.bgreboot.output;

import java.util.Optional;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.BgShareReport;

/**
 * How a background reboot's clone shared the host: the policy asked for, the one that ran, and how
 * long the host held the clone back by the cgroup's own counters (null where unreadable).
 */
public record BgShareJson(BgShare requested, BgShare effective, double cappedMs, double cappedWindowsMs, boolean deadlineReached,
                          Optional<String> note) {

    public static BgShareJson of(BgShareReport r) {
        return new BgShareJson(r.requested(), r.effective(), Figures.ms(r.cappedMs()), Figures.ms(r.cappedWindowsMs()), r.deadlineReached(),
                Optional.of(r.note()).filter(n -> !n.isEmpty()));
    }
}
