package org.bgreboot.watch;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bgreboot.Progress;
import org.bgreboot.fleet.PlannedVm;
import org.bgreboot.fleet.RollListener;
import org.bgreboot.fleet.VmProgress;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootListener;

/**
 * Turns a roll's typed events into metrics, notifications and holds: a reboot's start, its
 * outcome (from the flow's {@link Outcome}, never from text), its figures as journaled. A VM whose
 * reboot aborted by itself, fell back to a cold boot or went down is held until its update
 * changes (when {@code holds} are kept: the watch); one aborted by a signal is not, a resume
 * reboots it.
 */
public final class RollObserver implements RollListener {
    private final Optional<RebootMetrics> metrics;
    private final Notifier notifier;
    private final Optional<Holds> holds;
    private final Map<String, PendingUpdate> updates;
    private final Clock clock;
    private final Progress log;
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    /**
     * @param updates what each VM would reboot into as the watch asked it before the roll (for holds)
     */
    public RollObserver(Optional<RebootMetrics> metrics, Notifier notifier, Optional<Holds> holds, Map<String, PendingUpdate> updates,
                        Clock clock, Progress log) {
        this.metrics = metrics;
        this.notifier = notifier;
        this.holds = holds;
        this.updates = Map.copyOf(updates);
        this.clock = clock;
        this.log = log;
    }

    @Override public RebootListener reboot(PlannedVm vm) {
        outcomes.remove(vm.vm());
        running.add(vm.vm());
        metrics.ifPresent(m -> m.started(vm.host()));
        notifier.send(WatchEvent.of(WatchEvent.START, vm.vm(), vm.host(), clock.instant(), "", WatchEvent.EventFigures.ofWave(vm.wave() + 1)));
        return new RebootListener() {
            @Override public void outcome(Outcome o) {
                outcomes.put(vm.vm(), o);
            }
        };
    }

    @Override public void finished(PlannedVm vm, VmProgress p) {
        boolean started = running.remove(vm.vm());
        Optional<Outcome> o = Optional.ofNullable(outcomes.remove(vm.vm()));
        String kind = o.map(x -> x.kind().key()).orElse(p.state() == VmProgress.State.FAILED ? "failed" : "");
        if (kind.isEmpty()) {
            return; // skipped, or recovered by a resumed roll before anything started here
        }
        WatchEvent.EventFigures figures = WatchEvent.EventFigures.of(p);
        if (started) {
            metrics.ifPresent(m -> m.ended(vm.host(), vm.vm(), kind, clock.instant()));
        }
        if (metrics.isPresent() && kind.equals("switched")) {
            figures.downtimeMs().map(ms -> {
                metrics.get().downtime(vm.host(), RebootMetrics.DowntimeSource.PROBER, ms / 1000);
                return ms;
            }).or(() -> figures.switchMs().map(ms -> {
                metrics.get().downtime(vm.host(), RebootMetrics.DowntimeSource.SWITCH, ms / 1000);
                return ms;
            }));
        }
        if (metrics.isPresent()) {
            figures.bgReadyMs().ifPresent(ms -> metrics.get().cloneBoot(vm.host(), ms / 1000));
        }
        notifier.send(WatchEvent.of(kind, vm.vm(), vm.host(), clock.instant(), o.map(Outcome::describe).orElse(p.detail()), figures));
        boolean byItself = o.map(x -> !(x instanceof Outcome.Aborted a && a.signal().isPresent())).orElse(false);
        if (holds.isPresent() && byItself && (kind.equals("aborted") || kind.equals("cold_booted") || kind.equals("down"))) {
            PendingUpdate u = updates.getOrDefault(vm.vm(), new PendingUpdate("", java.util.List.of(), java.util.List.of()));
            HeldReboot h = new HeldReboot(vm.vm(), vm.host(), kind, o.get().describe(), clock.instant().toString(), u);
            holds.get().hold(h);
            metrics.ifPresent(m -> m.held(vm.host(), vm.vm(), Optional.of(h)));
            log.step(vm.vm() + ": " + h.describe());
        }
    }

    @Override public void held(PlannedVm vm, String why) {
        log.step(vm.vm() + " not started: " + why);
    }
}
