package org.bgreboot.experiment.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.DoublePredicate;
import java.util.function.Supplier;
import org.bgreboot.Sleep;
import org.bgreboot.measure.LoadGenerator;
import org.bgreboot.measure.LoadResult;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;

import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.experiment.Lab;
import org.bgreboot.experiment.bench.Bench;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchVms;
import org.bgreboot.experiment.bench.Checkpoint;
/**
 * FG's throughput under closed-loop load with no clone, with a clone booting at idle priority (how
 * bgreboot boots clones) and at normal priority, on one VM in one run. The three cases take turns,
 * {@code cycles} times, and "no BG" is measured once more at the end, so a drift of the shared
 * machine spreads over every case instead of landing on one.
 *
 * <p>The load runs in short slices so it can stop when the clone is ready: a slice during which
 * the clone got ready is dropped, since the switch may already have begun. Every case is measured
 * the same way, so slicing costs every case alike.
 */
public final class Interference {
    /**
     * One client, requests back to back. QEMU's user networking listens on a port forward with a
     * backlog of 1: with several clients connecting at once, a SYN that finds the queue full is
     * dropped and retried by the client after 1 s. Measured here with 4 clients, those retries, not
     * the clone, decided the figure (1-s stalls whenever FG's main loop accepted a little late).
     */
    static final int CONNECTIONS = 1;
    /** Short, so a clone that boots in seconds still leaves whole slices; each slice waits for its requests in flight. */
    private static final Duration SLICE = Duration.ofMillis(500);
    private static final Duration MIN_SLICE = Duration.ofMillis(200); // a shorter tail of the window is not worth a slice
    /** Load before each measurement, unmeasured: a guest that has just booted settles first, in every case alike. */
    private static final Duration WARM_UP = Duration.ofSeconds(2);

    private final Lab lab;
    private final Duration window;
    private final int cycles;
    private final RunClock clock;

    public Interference(Lab lab, Duration window, int cycles, RunClock clock) {
        this.lab = lab;
        this.window = window;
        this.cycles = cycles;
        this.clock = clock;
    }

    /** The order the windows run in: (no BG, BG idle, BG adaptive, BG normal) × cycles, then no BG. */
    static List<InterferenceCase.Kind> order(int cycles) {
        List<InterferenceCase.Kind> order = new ArrayList<>();
        for (int i = 0; i < cycles; i++) {
            order.addAll(List.of(InterferenceCase.Kind.values()));
        }
        order.add(InterferenceCase.Kind.NO_BG);
        return order;
    }

    /** Every case from the bench's checkpoint: the VM running, its update installed. */
    public InterferenceResult run(Vm vm, Checkpoint start) {
        URI uri = org.bgreboot.report.MeasuredReboot.serviceUri(vm.spec());
        List<InterferenceCase> cases = new ArrayList<>();
        List<InterferenceCase.Kind> order = order(cycles);
        for (InterferenceCase.Kind kind : order) {
            lab.progress().step(String.format("[interference %d/%d] %s: %d client%s, up to %d s", cases.size() + 1, order.size(),
                    kind.label(), CONNECTIONS, CONNECTIONS == 1 ? "" : "s", window.toSeconds()));
            InterferenceCase c;
            try {
                start.restore(lab, vm);
                LoadGenerator.measure(uri, CONNECTIONS, WARM_UP, clock);
                c = kind == InterferenceCase.Kind.NO_BG ? noClone(uri) : whileCloneBoots(vm, uri, kind);
            } catch (RuntimeException e) {
                c = InterferenceCase.failed(kind, Bench.oneLine(e) + Bench.kept(BenchVms.discard(vm, lab)));
            }
            lab.progress().step(String.format("[interference %d/%d] %s: %s", cases.size() + 1, order.size(), kind.label(), c.failure().orElse(
                    String.format("%.1f requests/s over %.1f s (%d failed)", c.requestsPerSecond(), c.seconds(), c.failures()))));
            cases.add(c);
        }
        return new InterferenceResult(vm.spec().name(), (int) vm.spec().memory().mib(), CONNECTIONS, (int) window.toSeconds(), cases);
    }

    private InterferenceCase noClone(URI uri) {
        return load(InterferenceCase.Kind.NO_BG, uri, () -> false, ms -> false, Optional::empty);
    }

    /** Starts a background reboot beside the load and measures from the clone's launch until it is ready. */
    private InterferenceCase whileCloneBoots(Vm vm, URI uri, InterferenceCase.Kind kind) {
        InterferenceCloneWatch watch = new InterferenceCloneWatch();
        RebootOptions opts = BenchMethod.BACKGROUND.options(clock).with(kind.share()).with(watch);
        // the update is installed in the checkpoint already
        CompletableFuture<RebootResult> reboot = CompletableFuture.supplyAsync(() -> lab.reboot(vm, opts), task -> {
            Thread t = new Thread(task, "interference-reboot");
            t.setDaemon(true);
            t.start();
        });
        while (!watch.launched() && !reboot.isDone()) {
            Sleep.ms(10);
        }
        InterferenceCase measured = load(kind, uri, () -> watch.ended() || reboot.isDone(), watch::endedBy,
                () -> watch.launchedClone().map(i -> i.cpu().policy()));
        RebootResult r;
        try {
            r = reboot.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        if (r.aborted() && !watch.ready()) {
            return InterferenceCase.failed(kind, "the clone never got ready: " + r.failure().orElse(""));
        }
        if (!r.aborted() && !r.switched()) {
            // the clone booted, but the reboot fell back (or left nothing serving): the bench fails on it
            return InterferenceCase.failed(kind, "the reboot after the clone's boot " + r.outcome().describe());
        }
        return measured.withBoot(r.bgReadyMs(), watch.readMiB(), r.bgShare().map(b -> b.cappedMs()).orElse(Double.NaN),
                r.bgShare().map(b -> b.effective()));
    }

    /**
     * Load slices until the window is used up or {@code stop} says so; a slice during which
     * {@code voidBy} became true (the clone got ready) is not counted. The clone's policy is read
     * after the first slice, when its QEMU surely runs.
     */
    private InterferenceCase load(InterferenceCase.Kind kind, URI uri, BooleanSupplier stop, DoublePredicate voidBy,
                                  Supplier<Optional<String>> policy) {
        long ok = 0;
        long failed = 0;
        double seconds = 0;
        Optional<String> bgPolicy = Optional.empty();
        double deadline = clock.nowMs() + window.toMillis();
        while (!stop.getAsBoolean()) {
            double left = deadline - clock.nowMs();
            if (left < MIN_SLICE.toMillis()) {
                break;
            }
            LoadResult r = LoadGenerator.measure(uri, CONNECTIONS, Duration.ofMillis((long) Math.min(SLICE.toMillis(), left)), clock);
            if (voidBy.test(r.endMs())) {
                break;
            }
            ok += r.ok();
            failed += r.failures();
            seconds += (r.endMs() - r.startMs()) / 1000;
            if (bgPolicy.isEmpty()) {
                bgPolicy = policy.get();
            }
        }
        if (seconds <= 0) {
            return InterferenceCase.failed(kind, "nothing measured: no whole load slice fitted before the clone was ready");
        }
        return new InterferenceCase(kind, ok, failed, seconds, bgPolicy, Optional.empty(), Double.NaN, Double.NaN, Double.NaN, Optional.empty());
    }
}
