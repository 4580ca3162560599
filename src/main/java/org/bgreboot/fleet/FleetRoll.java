package org.bgreboot.fleet;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.engine.Vm;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.Phase;
import org.bgreboot.reboot.RebootListener;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Reboots;
import org.bgreboot.reboot.Recovery;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.report.RebootMeasurement;

/**
 * Runs a roll: on each host {@code parallel} workers take its VMs in wave order, hosts at the same
 * time; a clone waits, ready, for one of the fleet's {@code maxUnavailable} switch slots; a clone
 * is started only where the host's free memory holds it (else it is queued, and says so). A
 * failed or aborted reboot stops the roll (with {@code --on-failure stop}): nothing new starts,
 * reboots in flight finish or abort. A host that stops answering is reported and its waiting VMs
 * skipped. Every change is journaled first; a VM found mid-reboot (a resumed roll) is recovered
 * by its own journal before anything else.
 */
final class FleetRoll {
    /** Memory a host keeps for itself beyond a clone's. */
    private static final long HOST_RESERVE = 128L << 20;
    private static final Duration MEMORY_POLL = Duration.ofSeconds(2);

    private final Home home;
    private final FleetHosts hosts;
    private final FleetJournal journal;
    private final FleetPlan plan;
    private final PrintStream out;
    private final Progress progress;
    private final FleetBoard board;
    private final RunClock clock = RunClock.start();
    private final Semaphore switching;
    private final AtomicReference<String> stopped = new AtomicReference<>();
    private final Map<String, AtomicLong> reserved = new ConcurrentHashMap<>();
    private final Duration memoryPoll;
    private final RollHooks hooks;

    FleetRoll(Home home, FleetHosts hosts, FleetJournal journal, PrintStream out, Progress progress, boolean terminal, RollHooks hooks) {
        this(home, hosts, journal, out, progress, terminal, hooks, MEMORY_POLL);
    }

    /** @param memoryPoll how often a clone waiting for memory asks its host again */
    FleetRoll(Home home, FleetHosts hosts, FleetJournal journal, PrintStream out, Progress progress, boolean terminal, RollHooks hooks,
              Duration memoryPoll) {
        this.memoryPoll = memoryPoll;
        this.hooks = hooks;
        this.home = home;
        this.hosts = hosts;
        this.journal = journal;
        this.plan = journal.plan();
        this.out = out;
        this.progress = progress;
        this.board = new FleetBoard(out, terminal);
        this.switching = new Semaphore(plan.maxUnavailable(), true);
    }

    FleetReport run() {
        for (PlannedVm v : plan.vms()) {
            VmProgress p = journal.get(v.vm());
            board.add(v.vm(), v.host(), p.finished() ? p.state().name().toLowerCase() + " (before this run)" : "pending");
        }
        List<Thread> workers = new ArrayList<>();
        for (String host : plan.hosts()) {
            ConcurrentLinkedQueue<PlannedVm> queue = new ConcurrentLinkedQueue<>(plan.on(host));
            for (int w = 0; w < plan.parallel(); w++) {
                Thread t = new Thread(() -> {
                    for (PlannedVm v; (v = queue.poll()) != null; ) {
                        one(v);
                    }
                }, "fleet-" + FleetBoard.shortHost(host) + "-" + w);
                workers.add(t);
                t.start();
            }
        }
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the roll ran", e);
            }
        }
        double wallMs = clock.nowMs();
        board.close();
        if (journal.all().stream().allMatch(VmProgress::finished)) {
            journal.finish(); // else VMs held or left by a stop stay pending for a resume
        }
        return FleetReport.of(plan, journal.all(), hosts, wallMs, journal.file());
    }

    private void one(PlannedVm v) {
        VmProgress p = journal.get(v.vm());
        if (p.finished()) {
            return;
        }
        if (hooks.stop().requested().isPresent()) {
            hold(p, v, "not started: the roll was stopped by " + hooks.stop().requested().get());
            return;
        }
        String stop = stopped.get();
        if (stop != null && plan.onFailure() == OnFailure.STOP) {
            skip(p, "not started: the roll stopped after " + stop);
            return;
        }
        if (!hosts.reachable(v.host())) {
            skip(p, "host " + v.host() + " does not answer");
            return;
        }
        Progress log = vmLog(v.vm());
        Vm vm;
        try {
            vm = hosts.vm(v.host(), v.vm());
        } catch (RuntimeException e) {
            fail(p, v, e);
            return;
        }
        if (p.state() == VmProgress.State.RUNNING && recovered(p, v, vm, log)) {
            return;
        }
        java.util.Optional<String> drop = hooks.gate().dropBefore(v);
        if (drop.isPresent()) {
            skip(journal.get(v.vm()), drop.get());
            return;
        }
        java.util.Optional<String> notNow = hooks.gate().holdBefore(v);
        if (notNow.isPresent()) {
            hold(journal.get(v.vm()), v, notNow.get());
            return;
        }
        AtomicLong held = reserved.computeIfAbsent(v.host(), h -> new AtomicLong());
        if (!awaitMemory(v, held)) {
            return;
        }
        boolean[] slot = {false};
        org.bgreboot.reboot.Cancel cancel = hooks.stop().begin();
        try {
            int before = vm.state().generation();
            journal.put(p.started(before));
            board.started(v.vm());
            board.phase(v.vm(), "PREPARE", false);
            RebootListener gate = new RebootListener() {
                @Override public void cloneReady(double atMs) {
                    board.phase(v.vm(), "READY: waiting for a switch slot", false);
                    switching.acquireUninterruptibly();
                    slot[0] = true;
                }
            };
            RebootListener phases = new RebootListener() {
                @Override public void phase(Phase ph, double atMs) {
                    board.phase(v.vm(), ph.name(), false);
                }
            };
            RebootOptions opts = RebootOptions.background(clock).with(phases.and(gate).and(hooks.listener().reboot(v))).with(cancel);
            boolean measure = plan.measure() && vm.spec().network().bridged() && !vm.spec().network().address().isEmpty();
            RebootResult r;
            VmFigures figures;
            if (measure) {
                RebootMeasurement m = MeasuredReboot.run(MeasuredReboot.serviceUri(vm.spec()), clock, log, () -> Reboots.run(vm, opts, log));
                r = m.reboot();
                figures = VmFigures.of(m);
            } else {
                r = Reboots.run(vm, opts, log);
                figures = VmFigures.of(r);
            }
            if (r.outcome() instanceof org.bgreboot.reboot.Outcome.Aborted a && a.finished() && a.signal().isPresent()) {
                // a stop, not a failure of the update: the VM stays pending, a resume reboots it
                journal.put(journal.get(v.vm()).finished(VmProgress.State.ABORTED, a.reason(), figures));
                hooks.listener().finished(v, journal.get(v.vm()));
                hold(journal.get(v.vm()), v, "aborted by " + a.signal().get() + " before its point of no return: a resume reboots it");
                return;
            }
            // a host that stopped answering mid-reboot: its VM's journal is unfinished there; reported, not counted against the roll
            boolean hostLost = r.aborted() && !hosts.reachable(v.host());
            VmProgress.State state = hostLost ? VmProgress.State.FAILED : VmProgress.State.of(r.outcome());
            String why = r.failure().map(f -> hostLost ? "host " + v.host() + " stopped answering (" + f + ")" : f)
                    .orElse("serves generation " + r.generation());
            journal.put(journal.get(v.vm()).finished(state, why, figures));
            board.phase(v.vm(), state + ": " + why, true);
            hooks.listener().finished(v, journal.get(v.vm()));
            if (state != VmProgress.State.SWITCHED && !hostLost) {
                failed(v.vm() + " (" + why + ")");
            }
        } catch (RuntimeException e) {
            fail(journal.get(v.vm()), v, e);
        } finally {
            hooks.stop().end(cancel);
            held.addAndGet(-v.memoryBytes());
            if (slot[0]) {
                switching.release();
            }
        }
    }

    /**
     * A resumed roll found this VM mid-reboot: its own journal brings it back to one serving VM.
     * Completed (a newer generation serves): done. Rolled back: it is rebooted again.
     */
    private boolean recovered(VmProgress p, PlannedVm v, Vm vm, Progress log) {
        board.phase(v.vm(), "recovering its interrupted reboot", false);
        try {
            Recovery.Result o = new Recovery(vm, log).run();
            java.util.Optional<VmProgress.State> state = o.outcome().map(VmProgress.State::of).filter(s -> s != VmProgress.State.ABORTED);
            if (state.isPresent()) {
                journal.put(p.finished(state.get(), "recovered: " + o.action(), VmFigures.recovered(o.outcome().get(), o.generation())));
                board.phase(v.vm(), state.get() + " (recovered: generation " + o.generation() + ")", true);
                hooks.listener().finished(v, journal.get(v.vm()));
                return true;
            }
            journal.put(p.with(VmProgress.State.PENDING, "recovered (" + o.action() + "): rebooting it again"));
            return false;
        } catch (RuntimeException e) {
            fail(p, v, e);
            return true;
        }
    }

    /** Waits until the host's free memory holds the clone (with what other clones took meanwhile); false if the roll stopped meanwhile. */
    private boolean awaitMemory(PlannedVm v, AtomicLong held) {
        boolean said = false;
        while (true) {
            if (!hosts.reachable(v.host())) {
                skip(journal.get(v.vm()), "host " + v.host() + " does not answer");
                return false;
            }
            if (stopped.get() != null && plan.onFailure() == OnFailure.STOP) {
                skip(journal.get(v.vm()), "not started: the roll stopped after " + stopped.get());
                return false;
            }
            if (hooks.stop().requested().isPresent()) {
                hold(journal.get(v.vm()), v, "not started: the roll was stopped by " + hooks.stop().requested().get());
                return false;
            }
            long free;
            try {
                free = hosts.availableMemoryBytes(v.host());
            } catch (RuntimeException e) {
                free = Long.MAX_VALUE; // cannot tell: the hypervisor will refuse a clone it cannot hold
            }
            synchronized (held) {
                if (free - held.get() >= v.memoryBytes() + HOST_RESERVE) {
                    held.addAndGet(v.memoryBytes());
                    return true;
                }
            }
            if (!said) {
                String why = String.format("queued: the host has %d MiB free, the clone needs %d MiB", Math.max(0, free - held.get()) >> 20,
                        (v.memoryBytes() + HOST_RESERVE) >> 20);
                board.phase(v.vm(), why, false);
                progress.step(v.vm() + " " + why);
                said = true;
            }
            org.bgreboot.Sleep.ms(memoryPoll.toMillis());
        }
    }

    private void skip(VmProgress p, String why) {
        journal.put(p.finished(VmProgress.State.SKIPPED, why));
        board.phase(p.vm(), "SKIPPED: " + why, true);
        plan.vms().stream().filter(v -> v.vm().equals(p.vm())).findFirst().ifPresent(v -> hooks.listener().finished(v, journal.get(p.vm())));
    }

    /** Not started now, and pending in the journal: a resume of the roll starts it. */
    private void hold(VmProgress p, PlannedVm v, String why) {
        journal.put(p.with(VmProgress.State.PENDING, why));
        board.phase(v.vm(), "PENDING: " + why, true);
        hooks.listener().held(v, why);
    }

    private void fail(VmProgress p, PlannedVm v, RuntimeException e) {
        boolean hostGone = !hosts.reachable(v.host());
        String why = hostGone ? "host " + v.host() + " stopped answering (" + e.getMessage() + ")" : e.getMessage();
        journal.put(p.finished(VmProgress.State.FAILED, why));
        board.phase(v.vm(), "FAILED: " + why, true);
        hooks.listener().finished(v, journal.get(v.vm()));
        if (!hostGone) {
            failed(v.vm() + " (" + e.getMessage() + ")");
        }
    }

    private void failed(String what) {
        stopped.compareAndSet(null, what);
    }

    /** The flow's phase, from its progress lines. */
    /** Each VM's own progress lines go to a log of its own beside the roll's journal. */
    private Progress vmLog(String vm) {
        Path file = journal.file().resolveSibling(plan.id()).resolve(vm + ".log");
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long start = System.nanoTime();
        return text -> {
            try {
                Files.writeString(file, String.format("[%6.2fs] %s%n", (System.nanoTime() - start) / 1e9, text), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                // a log that cannot be written does not stop a reboot
            }
        };
    }
}
