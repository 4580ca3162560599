package org.bgreboot.measure;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Downtime as DESIGN.md defines it: the gap between the last good answer of the old OS and the
 * first good answer of the new one, told apart by boot_id (the reboot is the boot_id change; a
 * version change alone is not a reboot). Good = HTTP 200 with parsable JSON; times are answer times.
 * The new OS is the one that answers at the end: when a clone answered briefly and was then
 * replaced (a switch that failed late and cold-booted the updated disks), the downtime runs to the
 * first answer of the boot that stayed, so a cold boot is never reported as the clone's switch.
 */
public final class Downtime {

    private Downtime() {}

    public static DowntimeResult analyze(ProbeLog log, double rebootStartMs) {
        List<ProbeSample> good = byAnswer(log.good());
        double maxGap = longestGapMs(log, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        if (good.isEmpty()) {
            return new DowntimeResult(Double.NaN, Double.NaN, Double.NaN, maxGap,
                    null, null, null, null, null, null, Double.NaN);
        }
        // The old OS is the one answering when the reboot started (or the first one heard, if none yet).
        ProbeSample ref = good.get(0);
        for (ProbeSample s : good) if (s.answeredMs() <= rebootStartMs) ref = s;
        String oldBoot = ref.bootId();
        String finalBoot = good.stream().max(Comparator.comparingDouble(ProbeSample::sentMs)).orElseThrow().bootId();

        ProbeSample firstNew = null;
        for (ProbeSample s : good) {
            if (s.answeredMs() > ref.answeredMs() && !Objects.equals(s.bootId(), oldBoot) && Objects.equals(s.bootId(), finalBoot)) {
                firstNew = s;
                break;
            }
        }
        ProbeSample lastOld = ref;
        double limit = firstNew == null ? Double.POSITIVE_INFINITY : firstNew.answeredMs();
        for (ProbeSample s : good) {
            if (Objects.equals(s.bootId(), oldBoot) && s.answeredMs() <= limit) lastOld = s;
        }

        if (firstNew == null) {
            // No new boot: an aborted reboot leaves the old OS answering, downtime 0. If instead the
            // log ends in failures (the VM never came back), report that unanswered tail as a lower
            // bound rather than pretend there was no outage.
            double downtime = log.endsInFailure() ? lastAnswerMs(log) - lastOld.answeredMs() : 0;
            return new DowntimeResult(Math.max(0, downtime), lastOld.answeredMs(), Double.NaN, maxGap,
                    ref.version(), ref.version(), ref.kernel(), ref.kernel(), oldBoot, oldBoot, Double.NaN);
        }
        return new DowntimeResult(firstNew.answeredMs() - lastOld.answeredMs(), lastOld.answeredMs(),
                firstNew.answeredMs(), maxGap, ref.version(), firstNew.version(), ref.kernel(), firstNew.kernel(),
                oldBoot, firstNew.bootId(), firstNew.answeredMs() - rebootStartMs);
    }

    /**
     * The longest time without a good answer among the gaps that overlap [fromMs, toMs], e.g. FG's
     * disturbance during the clone. Gaps run between consecutive good answers; an outage at either
     * end of the log runs from the first probe sent or to the last probe answered. The whole gap
     * counts, not just the part inside the window. 0 when no gap overlaps.
     */
    public static double longestGapMs(ProbeLog log, double fromMs, double toMs) {
        List<Double> points = new ArrayList<>();
        List<ProbeSample> good = byAnswer(log.good());
        if (log.samples().isEmpty()) return 0;
        ProbeSample first = log.samples().get(0);
        if (good.isEmpty()) return overlaps(first.sentMs(), lastAnswerMs(log), fromMs, toMs)
                ? lastAnswerMs(log) - first.sentMs() : 0;
        if (!first.ok()) points.add(first.sentMs());
        for (ProbeSample s : good) points.add(s.answeredMs());
        if (log.endsInFailure()) points.add(lastAnswerMs(log));
        double max = 0;
        for (int i = 1; i < points.size(); i++) {
            double a = points.get(i - 1), b = points.get(i);
            if (overlaps(a, b, fromMs, toMs)) max = Math.max(max, b - a);
        }
        return max;
    }

    private static boolean overlaps(double a, double b, double from, double to) {
        return a <= to && b >= from;
    }

    private static List<ProbeSample> byAnswer(List<ProbeSample> samples) {
        return samples.stream().sorted(Comparator.comparingDouble(ProbeSample::answeredMs)).toList();
    }

    private static double lastAnswerMs(ProbeLog log) {
        return log.samples().stream().mapToDouble(ProbeSample::answeredMs).max().orElse(Double.NaN);
    }
}
