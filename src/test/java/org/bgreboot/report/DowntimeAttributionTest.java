package org.bgreboot.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.ProbeSample;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.BgShareReport;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Span;
import org.bgreboot.reboot.SwitchMode;
import org.bgreboot.reboot.TimedStep;
import org.junit.jupiter.api.Test;

class DowntimeAttributionTest {

    /** Probes every 10 ms answering in 2 ms: the old OS until 1000, failures from {@code failFrom}, the clone from {@code newFrom}. */
    private static ProbeLog probes(double newFrom, double failFrom, ProbeSample... extra) {
        List<ProbeSample> s = new ArrayList<>(List.of(extra));
        for (double t = 0; t < 3000; t += 10) {
            if (t < failFrom) {
                s.add(new ProbeSample(t, t + 2, true, 200, "v1", "k1", "boot-old", null));
            } else if (t >= newFrom) {
                s.add(new ProbeSample(t, t + 2, true, 200, "v2", "k2", "boot-new", null));
            } else {
                s.add(new ProbeSample(t, t + 1, false, 0, null, null, null, "connection refused"));
            }
        }
        return new ProbeLog(s);
    }

    private static RebootResult switched(double handOverAt, double tookAt) {
        List<TimedStep> steps = List.of(new TimedStep(Part.FG_HANDS_OVER, "", handOverAt, handOverAt + 3),
                new TimedStep(Part.BG_TAKES_NETWORK, "", handOverAt + 3, tookAt), new TimedStep(Part.FG_DRAINS, "", tookAt, tookAt + 1));
        Map<Span, Span.Interval> spans = new EnumMap<>(Span.class);
        spans.put(Span.SWITCH, new Span.Interval(handOverAt, tookAt + 150));
        return new RebootResult("vm", "embedded", Method.BACKGROUND, SwitchMode.HANDOVER, new Outcome.Switched(), 0, 0, 2000, steps, spans, 1, 2,
                Optional.empty(), Optional.of(new BgShareReport(BgShare.ADAPTIVE, BgShare.ADAPTIVE, 0, 0, false, "")), Optional.of("pid 2"));
    }

    @Test
    void thePartsAddUpToTheDowntime() {
        ProbeLog log = probes(1040, 1000);
        DowntimeResult d = Downtime.analyze(log, 0);
        DowntimeAttribution a = DowntimeAttribution.of(switched(1005, 1012), d, log).orElseThrow();
        assertThat(a.beforeMoveMs() + a.networkMoveMs() + a.firstAnswerMs()).isCloseTo(d.downtimeMs(), org.assertj.core.data.Offset.offset(0.001));
        assertThat(a.beforeMoveMs()).isEqualTo(1005 - 992);
        assertThat(a.networkMoveMs()).isEqualTo(7);
        assertThat(a.firstAnswerMs()).isEqualTo(1042 - 1012);
        assertThat(a.failedProbes()).containsEntry("refused", 4);
    }

    /** A dropped SYN: one probe hangs a second, and the parts say the time went after the move, in that probe. */
    @Test
    void aOneSecondRetryShowsAsOneSlowProbeAfterTheMove() {
        ProbeSample retried = new ProbeSample(1015, 2025, false, 0, null, null, null, "read timed out");
        ProbeLog log = new ProbeLog(probes(2030, 1000).samples().stream().filter(s -> s.sentMs() < 1010 || s.sentMs() >= 2030).toList());
        List<ProbeSample> all = new ArrayList<>(log.samples());
        all.add(retried);
        log = new ProbeLog(all);
        DowntimeResult d = Downtime.analyze(log, 0);
        DowntimeAttribution a = DowntimeAttribution.of(switched(1005, 1012), d, log).orElseThrow();
        assertThat(a.firstAnswerMs()).isGreaterThan(1000);
        assertThat(a.failedProbes()).containsEntry("timeout", 1);
        assertThat(a.slowestProbeMs()).isEqualTo(1010);
    }

    @Test
    void nothingToAttributeWithoutASwitch() {
        ProbeLog log = probes(1040, 1000);
        RebootResult aborted = new RebootResult("vm", "embedded", Method.BACKGROUND, SwitchMode.HANDOVER,
                new Outcome.Aborted("clone not ready", true, Optional.empty()), 0, 0, 2000, List.of(), Map.of(), 0, 1, Optional.empty(),
                Optional.empty(), Optional.of("pid 1"));
        assertThat(DowntimeAttribution.of(aborted, Downtime.analyze(log, 0), log)).isEmpty();
    }
}
