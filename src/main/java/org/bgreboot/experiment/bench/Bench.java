package org.bgreboot.experiment.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.measure.RunClock;
import org.bgreboot.render.TimelinePanel;
import org.bgreboot.engine.embedded.AccelChoice;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.engine.embedded.EmbeddedEngine;
import org.bgreboot.engine.Engine;
import org.bgreboot.engine.Vm;
import org.bgreboot.spec.VmSpec;

import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.experiment.Lab;
/**
 * Runs a {@link BenchPlan}: per memory size one VM of the guest, and on it every method, each
 * repeat from the same starting point (a {@link Checkpoint}: the VM running its old OS with the
 * update installed), then a measured reboot into the update. A run that fails is recorded as
 * failed and the bench goes on.
 */
public final class Bench {
    private final Home home;
    private final Engine engine;
    private final Progress progress;
    private final Supplier<AccelChoice> accel;

    /** {@code accel} is asked once, when the first VM of the bench boots. */
    public Bench(Home home, Engine engine, Progress progress, Supplier<AccelChoice> accel) {
        this.home = home;
        this.engine = engine;
        this.progress = progress;
        this.accel = accel;
    }

    public BenchResult run(BenchPlan asked) {
        Instant started = Instant.now();
        RunClock clock = RunClock.start();
        Map<String, GuestImage> images = new LinkedHashMap<>();
        for (String guest : asked.guests()) {
            images.put(guest, new GuestBuilder(home).ensure(BenchPlan.builderKind(guest), progress::step));
        }
        BenchPlan plan = asked.resolve(images);
        progress.step("bench: " + plan.command() + " (" + plan.runCount() + " runs)");
        BenchMachine machine = BenchMachine.detect(EmbeddedEngine.qemuBinary());
        Thread killOnExit = BenchVms.killOnExit(home, plan, progress);
        try {
            return run(plan, machine, started, clock, images);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs, as it should
            }
        }
    }

    /** Guest by guest, small memory first: one VM at a time on the host. */
    private BenchResult run(BenchPlan plan, BenchMachine machine, Instant started, RunClock clock, Map<String, GuestImage> images) {
        Lab lab = new Lab(progress);
        Matrix matrix = new Matrix(plan, clock);
        Optional<InterferenceResult> interference = Optional.empty();
        for (String guest : plan.guests()) {
            for (ByteSize mem : plan.memories()) {
                // stopping a VM left by an earlier bench needs no accelerator; booting one does
                Vm vm = BenchVms.prepare(home, engine, plan.vmName(guest, mem), images.get(guest), mem, lab);
                try {
                    Optional<Checkpoint> start = matrix.checkpoint(lab, vm, guest, mem);
                    if (start.isPresent()) {
                        matrix.runAll(lab, vm, guest, mem, start.get());
                        if (plan.interference() && guest.equals(plan.interferenceGuest()) && mem.equals(plan.largestMemory())) {
                            interference = Optional.of(new Interference(lab, Duration.ofSeconds(plan.interferenceSeconds()), plan.repeat(), clock)
                                    .run(vm, start.get()));
                        }
                    }
                } finally {
                    try {
                        lab.stop(vm);
                    } catch (RuntimeException e) {
                        BenchVms.discard(vm, lab);
                    }
                }
            }
        }
        return new BenchResult(plan, accel.get(), machine, started.truncatedTo(ChronoUnit.SECONDS).toString(),
                clock.nowMs(), matrix.runs, interference, matrix.timelines(), matrix.leftovers);
    }

    /** The runs of the matrix so far, their progress count, and the timelines kept for the charts. */
    private final class Matrix {
        final BenchPlan plan;
        final RunClock clock;
        final List<BenchRun> runs = new ArrayList<>();
        final List<String> leftovers = new ArrayList<>();
        final Map<String, TimelinePanel> timelines = new HashMap<>();
        final Map<String, Boolean> timelineOk = new HashMap<>();

        Matrix(BenchPlan plan, RunClock clock) {
            this.plan = plan;
            this.clock = clock;
        }

        /**
         * Repeats outermost, methods inside: a slow drift of the shared machine then spreads over
         * every method instead of landing on whichever ran last.
         */
        void runAll(Lab lab, Vm vm, String guest, ByteSize mem, Checkpoint start) {
            for (int rep = 1; rep <= plan.repeat(); rep++) {
                for (BenchMethod m : plan.methods()) {
                    runs.add(runOne(lab, vm, guest, mem, m, rep, start));
                }
            }
        }

        /** The runs' starting point at this size; if it cannot be made, every run of the size fails with why. */
        Optional<Checkpoint> checkpoint(Lab lab, Vm vm, String guest, ByteSize mem) {
            progress.step(String.format("%s %s: booting, installing the update and saving the starting point", guest, mem));
            try {
                return Optional.of(Checkpoint.take(lab, vm, home.home().resolve("bench").resolve(vm.spec().name() + "-start")));
            } catch (RuntimeException e) {
                String why = "no starting point: " + oneLine(e) + kept(BenchVms.discard(vm, lab));
                for (int rep = 1; rep <= plan.repeat(); rep++) {
                    for (BenchMethod m : plan.methods()) {
                        runs.add(BenchRun.failed(guest, (int) mem.mib(), m, rep, why, 0));
                    }
                }
                progress.step(guest + " " + mem + ": " + why);
                return Optional.empty();
            }
        }

        BenchRun runOne(Lab lab, Vm vm, String guest, ByteSize mem, BenchMethod m, int rep, Checkpoint start) {
            String what = String.format("[%d/%d] %s %s %s #%d", runs.size() + 1, plan.runCount(), guest, mem, m.label(), rep);
            progress.step(what + " ...");
            int mb = (int) mem.mib();
            long t0 = System.nanoTime();
            BenchRun run;
            try {
                start.restore(lab, vm);
                RebootMeasurement measured = MeasuredReboot.run(MeasuredReboot.serviceUri(vm.spec()), clock, progress, () -> lab.reboot(vm, m.options(clock)));
                run = BenchRun.of(guest, mb, m, rep, measured, (System.nanoTime() - t0) / 1e6);
                keepTimeline(guest, mem, m, rep, run, measured);
                vm.inspection().leftovers().forEach(l -> leftovers.add(guest + " " + mem + " " + m.label() + " #" + rep + ": " + l));
            } catch (RuntimeException e) {
                List<Path> logs = BenchVms.discard(vm, lab);
                run = BenchRun.failed(guest, mb, m, rep, oneLine(e) + kept(logs), (System.nanoTime() - t0) / 1e6);
            }
            progress.step(what + ": " + summary(run));
            return run;
        }

        /** One timeline per guest and method at the largest memory: its first good repeat, else its first. */
        void keepTimeline(String guest, ByteSize mem, BenchMethod m, int rep, BenchRun run, RebootMeasurement measured) {
            String key = guest + " " + m.label();
            if (!mem.equals(plan.largestMemory()) || timelineOk.getOrDefault(key, false) || (timelines.containsKey(key) && !run.ok())) {
                return;
            }
            String title = String.format("%s %s %s #%d: downtime %s%s", guest, mem, m.label(), rep,
                    one(run.downtimeMs()), run.ok() ? "" : " (failed)");
            timelines.put(key, TimelinePanel.of(title, measured.probes(), measured.reboot().startMs(), org.bgreboot.report.RebootPhases.of(measured.reboot())));
            timelineOk.put(key, run.ok());
        }

        /** In the plan's order: guests, then methods. */
        List<TimelinePanel> timelines() {
            return plan.guests().stream().flatMap(g -> plan.methods().stream().map(m -> g + " " + m.label()))
                    .filter(timelines::containsKey).map(timelines::get).toList();
        }
    }

    static String summary(BenchRun r) {
        String took = String.format(" (run took %.1f s)", r.wallMs() / 1000);
        if (!r.ok()) {
            return "FAILED: " + r.failure().get() + (r.fellBack() ? ", clients went " + one(r.maxProbeGapMs()) + " without an answer" : "")
                    + (r.ledgerChecked() ? ", " + r.ackedWritesLost() + " acked writes lost" : "") + took;
        }
        String parts = r.downtimeParts().map(p -> String.format(" (%s before the move + %s move + %s to the clone's first answer)",
                one(p.beforeMoveMs()), one(p.networkMoveMs()), one(p.firstAnswerMs()))).orElse("");
        String clone = r.method().background() ? String.format(", FG pause %s, clone boot %s", one(r.fgPauseMs()), one(r.bgReadyMs())) : "";
        return String.format("downtime %s%s, switch %s%s, %d of %d acked writes lost%s", one(r.downtimeMs()), parts, one(r.switchMs()),
                clone, r.ackedWritesLost(), r.ackedWrites(), took);
    }

    private static String one(double ms) {
        return new BenchStat(ms, ms, ms, Double.isNaN(ms) ? 0 : 1).format();
    }

    /** Where a failed run's console logs went (its runtime directory, named in the message, is gone). */
    static String kept(List<Path> logs) {
        return logs.isEmpty() ? "" : " [console logs kept: " + String.join(", ", logs.stream().map(Path::toString).toList()) + "]";
    }

    /** An exception's message, first line only (the bench goes on; the table says why a run failed). */
    static String oneLine(RuntimeException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        return msg.lines().findFirst().orElse(msg);
    }
}
