package org.bgreboot.render;

import java.util.List;

import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.ProbeLog;
/** One probe timeline to draw: its title, samples, when the reboot started, its downtime and phases. */
public record TimelinePanel(String title, ProbeLog log, double rebootStartMs, DowntimeResult downtime,
                            List<PhaseMark> phases) {

    public TimelinePanel {
        // A phase that never started is not drawn; one that never ended (an abort) is drawn as a mark.
        phases = phases == null ? List.of() : phases.stream().filter(m -> !Double.isNaN(m.startMs()))
                .map(m -> Double.isNaN(m.endMs()) ? new PhaseMark(m.name(), m.startMs(), m.startMs()) : m).toList();
    }

    /** A panel whose downtime is computed from the log. */
    public static TimelinePanel of(String title, ProbeLog log, double rebootStartMs, List<PhaseMark> phases) {
        return new TimelinePanel(title, log, rebootStartMs, Downtime.analyze(log, rebootStartMs), phases);
    }
}
