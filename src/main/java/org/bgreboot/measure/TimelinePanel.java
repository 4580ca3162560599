package org.bgreboot.measure;

import java.util.List;

/** One probe timeline to draw: its title, samples, when the reboot started, its downtime and phases. */
public record TimelinePanel(String title, ProbeLog log, double rebootStartMs, DowntimeResult downtime,
                            List<PhaseMark> phases) {

    public TimelinePanel {
        phases = phases == null ? List.of() : List.copyOf(phases);
    }

    /** A panel whose downtime is computed from the log. */
    public static TimelinePanel of(String title, ProbeLog log, double rebootStartMs, List<PhaseMark> phases) {
        return new TimelinePanel(title, log, rebootStartMs, Downtime.analyze(log, rebootStartMs), phases);
    }
}
