package org.bgreboot.experiment.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.LedgerCheckResult;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.WriteLog;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.TimedStep;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Step;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.BgShareReport;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.reboot.Span;
import java.util.EnumMap;
import java.util.Map;
import org.bgreboot.reboot.SwitchMode;
import org.bgreboot.engine.embedded.Accel;
import org.bgreboot.engine.embedded.AccelChoice;
import org.bgreboot.spec.ByteSize;

import org.bgreboot.report.DowntimeAttribution;
import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.experiment.bench.BenchMachine;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchPlan;
import org.bgreboot.experiment.bench.BenchResult;
import org.bgreboot.experiment.bench.BenchRun;
import org.bgreboot.experiment.bench.InterferenceResult;
/** Synthetic bench figures: no VM, every number chosen by the test. */
final class BenchFixtures {
    static final BenchMachine MACHINE = new BenchMachine(2, "QEMU emulator version 7.2.22", "Linux 6.1", "test CPU");
    static final AccelChoice TCG = new AccelChoice(Accel.TCG, "forced by a test");

    private BenchFixtures() {}

    static BenchPlan plan(List<BenchMethod> methods, int repeat, String... memories) {
        return new BenchPlan("tiny", List.of(memories).stream().map(ByteSize::parse).toList(), methods, repeat, false, 15);
    }

    static BenchRun ok(int mb, BenchMethod m, int repeat, double downtimeMs, double switchMs, int lost) {
        return new BenchRun("tiny", mb, m, repeat, Optional.of(m.background() ? SWITCHED : REBOOTED), downtimeMs, downtimeMs + 10, switchMs,
                m.background() ? 9000 : Double.NaN, downtimeMs + 500, 100, lost, true, 30_000,
                m.background() ? Map.of(Part.STOP_FG, 1.0, Part.TAKE_DISK, 8.25) : Map.of(Part.REQUEST_REBOOT, 2.0),
                m.background() ? Optional.of(new BgShareReport(BgShare.ADAPTIVE, BgShare.IDLE, Double.NaN, 0, false,
                        "the clone cannot be capped here: idle priority only")) : Optional.empty(), Optional.empty(),
                m.background() ? 12.5 : Double.NaN, m == BenchMethod.BACKGROUND
                        ? Optional.of(new DowntimeAttribution(5, 20, downtimeMs - 25, Map.of("timeout", 1), 40)) : Optional.empty());
    }

    /** {@link #ok} of another guest. */
    static BenchRun of(String guest, int mb, BenchMethod m, int repeat, double downtimeMs, double switchMs) {
        BenchRun r = ok(mb, m, repeat, downtimeMs, switchMs, 0);
        return new BenchRun(guest, r.memoryMb(), r.method(), r.repeat(), r.outcome(), r.downtimeMs(), r.maxProbeGapMs(), r.switchMs(),
                r.bgReadyMs(), r.timeToNewOsMs(), r.ackedWrites(), r.ackedWritesLost(), r.ledgerChecked(), r.wallMs(), r.stepsMs(), r.bgShare(),
                r.failure(), r.fgPauseMs(), r.downtimeParts());
    }

    /** A background run whose switch failed at attach and whose VM was cold-booted: a real downtime, no background reboot. */
    static BenchRun fellBack(int mb, int repeat) {
        return BenchRun.of("tiny", mb, BenchMethod.BACKGROUND, repeat, measurement(Method.BACKGROUND, SwitchMode.HANDOVER,
                new Outcome.ColdBooted(Step.ATTACH, "the attach hook exited 1"), List.of(Part.STOP_FG, Part.TAKE_DISK, Part.ATTACH_HOOK, Part.COLD_BOOT),
                "v1", "v2", List.of()), 40_000);
    }

    static BenchRun failed(int mb, BenchMethod m, int repeat, String why) {
        return BenchRun.failed("tiny", mb, m, repeat, why, 20_000);
    }

    static BenchResult result(BenchPlan plan, List<BenchRun> runs, Optional<InterferenceResult> interference) {
        return new BenchResult(plan, TCG, MACHINE, "2025-01-01T00:00:00Z", 600_000, runs, interference, List.of(), List.of());
    }

    static GuestImage image(List<String> kexec) {
        return new GuestImage(java.nio.file.Path.of("/nonexistent"), new GuestImage.Manifest("g", "system.qcow2", "persist.img", "bgpersist",
                "disk", null, List.of(), List.of("update"), List.of("release"), List.of("attach"), List.of("ready"), null, null, kexec, true, null, null, null, null));
    }

    static final Outcome SWITCHED = new Outcome.Switched();
    static final Outcome REBOOTED = new Outcome.Rebooted();

    /** What a reboot measured, for {@link BenchRun#of}: the flow's steps and what clients saw. */
    static RebootMeasurement measurement(Method method, SwitchMode mode, Outcome outcome, List<Part> steps,
                                         String versionBefore, String versionAfter, List<Long> missing) {
        List<TimedStep> s = new ArrayList<>();
        for (Part part : steps) {
            s.add(new TimedStep(part, "", 0, 1));
        }
        Map<Span, Span.Interval> spans = new EnumMap<>(Span.class);
        spans.put(Span.FG_PAUSE, new Span.Interval(1000, 1050));
        spans.put(Span.BG_BOOT, new Span.Interval(6000, 15_000));
        spans.put(Span.FG_STOPPED, new Span.Interval(15_100, 15_100));
        spans.put(Span.SWITCH, new Span.Interval(15_050, 15_250));
        RebootResult r = new RebootResult("vm", "embedded", method, mode, outcome, 0, 1000, 20_000, s, spans, 1, 2, Optional.of(DiskHandover.SWAP),
                Optional.of(new BgShareReport(BgShare.ADAPTIVE, BgShare.ADAPTIVE, 0, 0, false, "")), Optional.of("pid 1"));
        boolean newBoot = !versionBefore.equals(versionAfter);
        DowntimeResult d = new DowntimeResult(150, 15_000, newBoot ? 15_150 : Double.NaN, 150, versionBefore, versionAfter,
                "k1", "k2", "b1", newBoot ? "b2" : "b1", newBoot ? 14_150 : Double.NaN);
        LedgerCheckResult ledger = new LedgerCheckResult(100, 100, missing, missing.isEmpty(), List.of(), List.of(), List.of(), List.of());
        return new RebootMeasurement(r, d, new ProbeLog(List.of()), new WriteLog(List.of(), List.of()), ledger, 40);
    }
}
