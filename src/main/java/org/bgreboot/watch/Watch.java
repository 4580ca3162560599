package org.bgreboot.watch;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.bgreboot.Progress;
import org.bgreboot.fleet.FleetJournal;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.FleetRequest;
import org.bgreboot.fleet.OnFailure;
import org.bgreboot.fleet.RollHooks;
import org.bgreboot.fleet.RollStop;

/**
 * The loop, kured's shape for VMs: every interval, ask each VM (the {@link Sentinel}), and roll
 * those that need a reboot and are not held, inside the {@link Windows}, under each host's lock
 * ({@link HostLocks}), past the {@link Veto}, telling the {@link Notifier} and the metrics. A roll
 * left unfinished (a window closed, a veto, a stop, watch killed) is resumed before anything new.
 * A round that finds a failure ({@code --on-failure stop} within it) starts nothing more in that
 * roll; the next round plans again, so at most one VM's reboot fails per round.
 */
public final class Watch {
    private final WatchSettings settings;
    private final List<String> hosts;
    private final Sentinel sentinel;
    private final HostLocks locks;
    private final Roller roller;
    private final Holds holds;
    private final RollRecord record;
    private final Veto veto;
    private final Notifier notifier;
    private final Optional<RebootMetrics> metrics;
    private final Clock clock;
    private final Progress log;
    private final RollStop stop;
    private final Function<Path, List<String>> rollHosts;

    /**
     * @param hosts     the hosts by the names libvirt reports
     * @param rollHosts the hosts of a roll, from its journal
     */
    public Watch(WatchSettings settings, List<String> hosts, Sentinel sentinel, HostLocks locks, Roller roller, Holds holds, RollRecord record,
                 Notifier notifier, Optional<RebootMetrics> metrics, Clock clock, Progress log, RollStop stop,
                 Function<Path, List<String>> rollHosts) {
        this.settings = settings;
        this.hosts = List.copyOf(hosts);
        this.sentinel = sentinel;
        this.locks = locks;
        this.roller = roller;
        this.holds = holds;
        this.record = record;
        this.veto = new Veto(settings.blockCommand());
        this.notifier = notifier;
        this.metrics = metrics;
        this.clock = clock;
        this.log = log;
        this.stop = stop;
        this.rollHosts = rollHosts;
    }

    /** The hosts of a roll as its journal names them. */
    public static List<String> hostsOf(Path journal) {
        return FleetJournal.read(journal).plan().hosts();
    }

    /** Rounds until a stop is asked (or one, with --once). The exit status: 0, or 1 when --once saw a reboot fail. */
    public int run(java.util.function.Consumer<RoundReport> each) {
        log.step("watching " + String.join(", ", hosts) + " every " + Durations.text(settings.interval()) + "; reboots start "
                + settings.windows().describe());
        while (true) {
            RoundReport r = round();
            each.accept(r);
            if (stop.requested().isPresent()) {
                log.step("stopped by " + stop.requested().get() + (r.pending().isEmpty() ? "" : "; the roll's VMs not rebooted ("
                        + String.join(", ", r.pending()) + ") are resumed by the next watch"));
                return 0;
            }
            if (settings.once()) {
                r.failures().forEach(f -> log.step("reboot failed: " + f));
                return r.failures().isEmpty() ? 0 : 1;
            }
            Instant now = clock.instant();
            Instant next = now.plus(settings.interval());
            if (r.waiting() && !settings.windows().openAt(now)) {
                Instant opening = settings.windows().nextOpening(now);
                if (opening.isBefore(next)) {
                    next = opening;
                }
            }
            log.step("next round " + WatchGate.when(next));
            if (!sleepUntil(next)) {
                log.step("stopped by " + stop.requested().orElse("a signal") + " between rounds");
                return 0;
            }
        }
    }

    /** Sleeps until {@code t}; false when a stop came first. */
    private boolean sleepUntil(Instant t) {
        while (clock.instant().isBefore(t)) {
            if (stop.requested().isPresent()) {
                return false;
            }
            org.bgreboot.Sleep.ms(Math.min(200, Math.max(1, Duration.between(clock.instant(), t).toMillis())));
        }
        return stop.requested().isEmpty();
    }

    /** One round: ask, then resume the unfinished roll or roll what needs it. */
    public RoundReport round() {
        Instant started = clock.instant();
        boolean open = settings.windows().openAt(started);
        List<String> notes = new ArrayList<>();
        Map<String, VmAnswer> answers = new LinkedHashMap<>();
        List<String> down = new ArrayList<>();
        for (String host : hosts) {
            ask(host, answers, down);
        }
        Map<String, Optional<HeldReboot>> held = new LinkedHashMap<>();
        for (VmAnswer a : answers.values()) {
            held.put(a.vm(), reconsiderHold(a));
        }
        Map<String, Optional<String>> holders = new LinkedHashMap<>();
        for (String host : hosts) {
            Optional<String> h = down.contains(host) ? Optional.empty() : locks.holder(host);
            holders.put(host, h);
            metrics.ifPresent(m -> m.lockHolder(host, h));
        }
        Optional<FleetReport> roll = Optional.empty();
        boolean resumed = false;
        boolean waiting = false;
        Optional<Path> unfinished = record.current();
        if (unfinished.isPresent()) {
            if (!open) {
                note(notes, "roll " + unfinished.get().getFileName() + " waits for the next window (" + WatchGate.when(settings.windows().nextOpening(started)) + ")");
                waiting = true;
            } else {
                List<String> rollHosts = this.rollHosts.apply(unfinished.get());
                Set<String> taken = takeLocks(rollHosts, holders, notes);
                if (taken.size() == rollHosts.size()) {
                    note(notes, "resuming roll " + unfinished.get().getFileName());
                    roll = Optional.of(roller.resume(unfinished.get(), hooks(answers)));
                    resumed = true;
                    ended(roll.get());
                } else {
                    waiting = true;
                }
                taken.forEach(this::release);
            }
        } else {
            List<VmAnswer> candidates = candidates(answers.values(), held);
            if (candidates.isEmpty()) {
                long needing = answers.values().stream().filter(VmAnswer::needed).count();
                note(notes, needing == 0 ? "no VM needs a reboot" : needing + " VM(s) need a reboot, none that watch may retry now (held until their update changes)");
                // said even with nothing to do: a reboot under way elsewhere is why a VM here needs none now
                holders.forEach((host, who) -> who.ifPresent(w -> note(notes, "host " + host + " is locked by " + w)));
            } else if (!open) {
                note(notes, candidates.size() + " VM(s) need a reboot (" + names(candidates) + "): the next window opens "
                        + WatchGate.when(settings.windows().nextOpening(started)));
                waiting = true;
            } else if (stop.requested().isEmpty()) {
                List<String> candidateHosts = candidates.stream().map(VmAnswer::host).distinct().toList();
                Set<String> taken = takeLocks(candidateHosts, holders, notes);
                waiting = taken.size() < candidateHosts.size();
                try {
                    List<VmAnswer> still = new ArrayList<>();
                    for (String host : taken) {
                        ask(host, answers, down); // asked again under the lock: another roller may have rebooted them meanwhile
                        held.clear();
                        answers.values().forEach(a -> held.put(a.vm(), reconsiderHold(a)));
                    }
                    for (VmAnswer a : candidates(answers.values(), held)) {
                        if (taken.contains(a.host())) {
                            still.add(a);
                        }
                    }
                    if (!still.isEmpty()) {
                        note(notes, "rolling " + names(still));
                        FleetRequest req = new FleetRequest(still.stream().map(VmAnswer::host).distinct().toList(), still.stream().map(VmAnswer::vm).toList(),
                                false, settings.parallel(), settings.maxUnavailable(), OnFailure.STOP, settings.measure());
                        roll = Optional.of(roller.roll(req, hooks(answers)));
                        ended(roll.get());
                    }
                } finally {
                    taken.forEach(this::release);
                }
            }
        }
        roll.ifPresent(r -> {
            List<String> pending = r.vms().stream().filter(p -> p.state() == org.bgreboot.fleet.VmProgress.State.PENDING).map(p -> p.vm()).toList();
            if (!pending.isEmpty()) {
                note(notes, "not rebooted in this round: " + String.join(", ", pending) + " (the roll is resumed in a later round)");
            }
        });
        boolean stillWaiting = waiting || roll.map(r -> r.vms().stream().anyMatch(p -> p.state() == org.bgreboot.fleet.VmProgress.State.PENDING)).orElse(false);
        Instant ended = clock.instant();
        metrics.ifPresent(m -> m.round(ended, settings.windows().openAt(ended)));
        return new RoundReport(started, ended, open, List.copyOf(answers.values()), held, down, holders, roll, resumed, notes, stillWaiting);
    }

    private void ask(String host, Map<String, VmAnswer> answers, List<String> down) {
        try {
            for (VmAnswer a : sentinel.ask(host)) {
                answers.put(a.vm(), a);
                a.needs().ifPresent(n -> metrics.ifPresent(m -> m.required(host, a.vm(), n.needed())));
                if (!a.problem().isEmpty()) {
                    log.step(a.vm() + " on " + host + ": " + a.problem());
                }
            }
            down.remove(host);
            metrics.ifPresent(m -> m.hostUp(host, true));
        } catch (Sentinel.HostDown e) {
            if (!down.contains(host)) {
                down.add(host);
            }
            metrics.ifPresent(m -> m.hostUp(host, false));
            log.step(e.getMessage() + "; its VMs are left alone this round, the next round tries again");
        }
    }

    /** A hold applies to the update it was made for: released when the VM needs no reboot or would boot something else now. */
    private Optional<HeldReboot> reconsiderHold(VmAnswer a) {
        Optional<HeldReboot> h = holds.get(a.vm());
        if (h.isPresent() && a.needs().isPresent()) {
            if (!a.needed()) {
                holds.release(a.vm());
                log.step(a.vm() + " needs no reboot any more: watch no longer holds it back");
                h = Optional.empty();
            } else if (!h.get().update().equals(a.update())) {
                holds.release(a.vm());
                log.step(a.vm() + "'s update changed (" + a.update().describe() + "): watch tries it again");
                h = Optional.empty();
            }
        }
        Optional<HeldReboot> now = h;
        metrics.ifPresent(m -> m.held(a.host(), a.vm(), now));
        return now;
    }

    private static List<VmAnswer> candidates(java.util.Collection<VmAnswer> answers, Map<String, Optional<HeldReboot>> held) {
        return answers.stream().filter(VmAnswer::needed).filter(a -> held.getOrDefault(a.vm(), Optional.empty()).isEmpty()).toList();
    }

    private Set<String> takeLocks(List<String> wanted, Map<String, Optional<String>> holders, List<String> notes) {
        Set<String> taken = new LinkedHashSet<>();
        for (String host : wanted) {
            Optional<String> other;
            try {
                other = locks.take(host);
            } catch (RuntimeException e) {
                other = Optional.of("unknown (" + e.getMessage() + ")");
            }
            if (other.isEmpty()) {
                taken.add(host);
                Optional<String> me = locks.holder(host);
                holders.put(host, me);
                metrics.ifPresent(m -> m.lockHolder(host, me));
            } else {
                holders.put(host, other);
                Optional<String> them = other;
                metrics.ifPresent(m -> m.lockHolder(host, them));
                note(notes, "host " + host + " is locked by " + other.get() + ": its VMs wait for a later round");
            }
        }
        return taken;
    }

    private void release(String host) {
        locks.release(host);
        metrics.ifPresent(m -> m.lockHolder(host, locks.holder(host)));
    }

    private RollHooks hooks(Map<String, VmAnswer> answers) {
        Map<String, PendingUpdate> updates = new LinkedHashMap<>();
        answers.values().forEach(a -> updates.put(a.vm(), a.update()));
        WatchGate gate = new WatchGate(settings.windows(), clock, locks, veto, answers, holds, notifier, metrics, stop, record);
        return new RollHooks(gate, stop, new RollObserver(metrics, notifier, Optional.of(holds), updates, clock, log));
    }

    /** A roll that left nothing pending is done: the record goes. */
    private void ended(FleetReport r) {
        boolean unfinished = r.vms().stream().anyMatch(p -> p.state() == org.bgreboot.fleet.VmProgress.State.PENDING
                || p.state() == org.bgreboot.fleet.VmProgress.State.RUNNING);
        if (!unfinished) {
            record.end();
        } else if (record.current().isEmpty()) {
            record.begin(r.journal()); // held before its first VM (a closed window): kept for the next round
        }
    }

    private void note(List<String> notes, String text) {
        notes.add(text);
        log.step(text);
    }

    private static String names(List<VmAnswer> as) {
        return String.join(", ", as.stream().map(VmAnswer::vm).toList());
    }
}
