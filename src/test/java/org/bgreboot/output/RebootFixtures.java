package org.bgreboot.output;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.measure.Ack;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.LedgerCheckResult;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.WriteLog;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.BgShareReport;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Span;
import org.bgreboot.reboot.Step;
import org.bgreboot.reboot.SwitchMode;
import org.bgreboot.reboot.TimedStep;
import org.bgreboot.report.RebootMeasurement;

/**
 * Reboots as the flow reports them, with figures of the size a run on this project's machine gives
 * (TCG): a background reboot that switched, one whose switch failed at attach and was cold-booted,
 * one aborted before its clone was ready, a normal reboot. No VM: every number is chosen here.
 */
public final class RebootFixtures {
    private RebootFixtures() {}

    public static final Outcome SWITCHED = new Outcome.Switched();
    public static final Outcome COLD_BOOTED = new Outcome.ColdBooted(Step.ATTACH, "the attach hook exited 1: mount: /dev/vdb: can't read superblock");
    public static final Outcome ABORTED = new Outcome.Aborted("the clone was not ready within 120 s", true, Optional.empty());

    /** A background reboot (handover) ending as {@code outcome}; a cold boot makes one generation more. */
    public static RebootResult background(Outcome outcome) {
        List<TimedStep> steps = new ArrayList<>();
        double t = 1000;
        for (Part p : List.of(Part.PREPARE_SCRATCH, Part.SYNC_FG, Part.CUT, Part.CLONE_OVERLAYS, Part.LAUNCH_CLONE)) {
            steps.add(new TimedStep(p, "", t, t + 12.3));
            t += 20;
        }
        steps.add(new TimedStep(Part.FREEZE_FG, "/", 1005, 1006.5));
        steps.add(new TimedStep(Part.FREEZE_FG, "/boot", 1006.5, 1007));
        Map<Span, Span.Interval> spans = new EnumMap<>(Span.class);
        spans.put(Span.FG_PAUSE, new Span.Interval(1040, 1046));
        if (outcome instanceof Outcome.Aborted) {
            spans.put(Span.BG_BOOT, new Span.Interval(1100, 9000));
            return result(Method.BACKGROUND, outcome, steps, spans, 0, Optional.empty(), Optional.of("pid 4242"));
        }
        spans.put(Span.BG_BOOT, new Span.Interval(1100, 10_300));
        t = 10_400;
        List<Part> sw = new ArrayList<>(List.of(Part.FG_HANDS_OVER, Part.BG_TAKES_NETWORK, Part.FG_DRAINS, Part.RELEASE_FREEZE, Part.STOP_FG,
                Part.TAKE_DISK, Part.ATTACH_HOOK));
        if (outcome instanceof Outcome.ColdBooted) {
            sw.add(Part.COLD_BOOT);
        }
        for (Part p : sw) {
            steps.add(new TimedStep(p, "", t, t + (p == Part.COLD_BOOT ? 3900 : 14.2)));
            t += p == Part.COLD_BOOT ? 3900 : 15;
        }
        spans.put(Span.FG_STOPPED, new Span.Interval(10_460, 10_460));
        if (outcome instanceof Outcome.Switched) {
            spans.put(Span.SWITCH, new Span.Interval(10_400, 10_531));
            steps.add(new TimedStep(Part.STREAM, "", 10_600, 10_620));
        }
        return result(Method.BACKGROUND, outcome, steps, spans, outcome instanceof Outcome.ColdBooted ? 2 : 1, Optional.of(DiskHandover.SWAP),
                Optional.of(outcome instanceof Outcome.ColdBooted ? "pid 5151" : "pid 5050"));
    }

    /** A normal reboot in place. */
    public static RebootResult normal() {
        List<TimedStep> steps = List.of(new TimedStep(Part.REQUEST_REBOOT, "", 1000, 1010), new TimedStep(Part.GUEST_RESTARTS, "", 1010, 4300));
        Map<Span, Span.Interval> spans = new EnumMap<>(Span.class);
        spans.put(Span.IN_PLACE, new Span.Interval(1000, 4300));
        return new RebootResult("demo", "embedded", Method.NORMAL, SwitchMode.HANDOVER, new Outcome.Rebooted(), 812.4, 1000, 4300, steps, spans, 0, 1,
                Optional.empty(), Optional.empty(), Optional.of("pid 4242"));
    }

    private static RebootResult result(Method method, Outcome outcome, List<TimedStep> steps, Map<Span, Span.Interval> spans, int generation,
                                       Optional<DiskHandover> handover, Optional<String> serving) {
        BgShareReport share = new BgShareReport(BgShare.ADAPTIVE, BgShare.ADAPTIVE, 1834.25, 2100, false, "");
        return new RebootResult("demo", "embedded", method, SwitchMode.HANDOVER, outcome, 0, 1000, steps.get(steps.size() - 1).endMs() + 50, steps,
                spans, generation, 2, handover, Optional.of(share), serving);
    }

    /** The reboot as clients saw it: the downtime a background switch or a boot gives, every acknowledged write kept. */
    public static RebootMeasurement measured(RebootResult r) {
        boolean bg = r.method() == Method.BACKGROUND;
        boolean newOs = !r.aborted();
        double down = r.switched() ? 37.2 : r.aborted() ? 0 : 3966.1;
        double lastOld = r.switched() ? 10_420 : 10_410;
        DowntimeResult d = new DowntimeResult(down, lastOld, newOs ? lastOld + down : Double.NaN, down + 10, "v1", newOs ? "v2" : "v1",
                "6.1.0-56-cloud-amd64", newOs ? "6.1.0-57-cloud-amd64" : "6.1.0-56-cloud-amd64", "b1", newOs ? "b2" : "b1",
                newOs ? lastOld + down - 1000 : Double.NaN);
        List<Ack> acks = new ArrayList<>();
        for (long i = 1; i <= 400; i++) {
            acks.add(new Ack(i, 1000 + i * 30));
        }
        LedgerCheckResult ledger = new LedgerCheckResult(400, 401, List.of(), true, List.of(), List.of(), List.of(), List.of());
        return new RebootMeasurement(r, d, new ProbeLog(List.of()), new WriteLog(acks, List.of()), ledger, bg ? 300 : 0);
    }
}
