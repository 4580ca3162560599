package org.bgreboot.report;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.ProbeSample;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.TimedStep;

/**
 * Where every millisecond of a background reboot's downtime went, told from the flow's own times
 * and the prober's samples on one clock: from the old OS's last answer to the network's move
 * (a probe in flight, the prober's period), the move itself (FG hands over, the clone takes it),
 * and from then to the clone's first answer (its link, the bridge learning its port, the
 * handshake, the service). The three add up to the downtime. What the prober saw fail inside the
 * window is counted by kind: a 1-s TCP retry shows as one probe taking a second, not as a slow
 * switch, so two runs of the same code can be told apart by their parts, not guessed.
 *
 * @param beforeMoveMs      the old OS's last answer to the move's start (0 if it answered after)
 * @param networkMoveMs     the move: FG hands over, the clone takes the network (its part after the last old answer)
 * @param firstAnswerMs     the clone has the network to its first answer
 * @param failedProbes      probes sent in the window that failed, by what failed ("timeout", "refused", "http 503"...)
 * @param slowestProbeMs    the longest any probe sent in the window took, failed or not
 */
public record DowntimeAttribution(double beforeMoveMs, double networkMoveMs, double firstAnswerMs, Map<String, Integer> failedProbes,
                                  double slowestProbeMs) {

    public DowntimeAttribution {
        failedProbes = Map.copyOf(failedProbes);
    }

    /** Empty unless a background switch moved the network and the prober saw the new OS answer. */
    public static Optional<DowntimeAttribution> of(RebootResult r, DowntimeResult d, ProbeLog probes) {
        Optional<TimedStep> take = r.step(Part.BG_TAKES_NETWORK);
        if (!r.switched() || take.isEmpty() || !d.newBootSeen()) {
            return Optional.empty();
        }
        double moveStart = r.step(Part.FG_HANDS_OVER).map(TimedStep::startMs).orElse(take.get().startMs());
        double moveEnd = take.get().endMs();
        double last = d.lastOldMs();
        double first = d.firstNewMs();
        double before = Math.max(0, Math.min(moveStart, first) - last);
        double move = Math.max(0, Math.min(moveEnd, first) - Math.max(moveStart, last));
        double answer = Math.max(0, first - Math.max(moveEnd, last));
        Map<String, Integer> failed = new TreeMap<>();
        double slowest = 0;
        for (ProbeSample s : probes.samples()) {
            if (s.sentMs() < last || s.sentMs() > first) {
                continue;
            }
            slowest = Math.max(slowest, s.latencyMs());
            if (!s.ok()) {
                failed.merge(kind(s), 1, Integer::sum);
            }
        }
        return Optional.of(new DowntimeAttribution(before, move, answer, failed, slowest));
    }

    /** What a failed probe met, in a few words that group alike failures. */
    static String kind(ProbeSample s) {
        if (s.httpStatus() != 0) {
            return "http " + s.httpStatus();
        }
        String e = s.error() == null ? "" : s.error().toLowerCase(java.util.Locale.ROOT);
        if (e.contains("timeout") || e.contains("timed out")) {
            return "timeout";
        }
        if (e.contains("refused")) {
            return "refused";
        }
        if (e.contains("reset")) {
            return "reset";
        }
        return e.isEmpty() ? "no answer" : "other";
    }
}
