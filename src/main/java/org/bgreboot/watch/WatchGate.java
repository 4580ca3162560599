package org.bgreboot.watch;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bgreboot.fleet.PlannedVm;
import org.bgreboot.fleet.RollGate;
import org.bgreboot.fleet.RollStop;

/**
 * What watch asks before each VM of its roll starts: still needed and not held (else it leaves the
 * roll), then inside a window, this watch still holding the host's lock, and the veto's yes for
 * the VM's wave (else it waits, pending, for a later round). The veto runs once per wave; once it
 * says no on a host, nothing more starts there in this roll.
 */
final class WatchGate implements RollGate {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm:ss z");

    private final Windows windows;
    private final Clock clock;
    private final HostLocks locks;
    private final Veto veto;
    private final Map<String, VmAnswer> answers;
    private final Holds holds;
    private final Notifier notifier;
    private final Optional<RebootMetrics> metrics;
    private final RollStop stop;
    private final RollRecord record;
    private final Map<String, Optional<String>> vetoes = new ConcurrentHashMap<>();
    private final Map<String, String> vetoedHosts = new ConcurrentHashMap<>();

    /** @param answers what each VM said in this round, by VM */
    WatchGate(Windows windows, Clock clock, HostLocks locks, Veto veto, Map<String, VmAnswer> answers, Holds holds, Notifier notifier,
              Optional<RebootMetrics> metrics, RollStop stop, RollRecord record) {
        this.windows = windows;
        this.clock = clock;
        this.locks = locks;
        this.veto = veto;
        this.answers = Map.copyOf(answers);
        this.holds = holds;
        this.notifier = notifier;
        this.metrics = metrics;
        this.stop = stop;
        this.record = record;
    }

    @Override public Optional<String> dropBefore(PlannedVm vm) {
        stop.journal().ifPresent(j -> {
            if (!record.current().filter(j::equals).isPresent()) {
                record.begin(j); // before the roll's first reboot: a watch killed from here on resumes it
            }
        });
        VmAnswer a = answers.get(vm.vm());
        if (a == null || a.needs().isEmpty()) {
            return Optional.empty(); // not asked this round (its guest did not answer): the reboot's own checks decide
        }
        if (!a.needed()) {
            return Optional.of("it needs no reboot any more (as its guest said in this round)");
        }
        return holds.holding(vm.vm(), a.update()).map(HeldReboot::describe);
    }

    @Override public Optional<String> holdBefore(PlannedVm vm) {
        Instant now = clock.instant();
        if (!windows.openAt(now)) {
            return Optional.of("outside the maintenance windows (" + windows.describe() + "); the next opens " + when(windows.nextOpening(now)));
        }
        if (!locks.renew(vm.host())) {
            return Optional.of("this watch no longer holds the lock of host " + vm.host());
        }
        String vetoed = vetoedHosts.get(vm.host());
        if (vetoed != null) {
            return Optional.of(vetoed);
        }
        Optional<String> no = vetoes.computeIfAbsent(vm.host() + "#" + vm.wave(), k -> ask(vm));
        no.ifPresent(why -> vetoedHosts.putIfAbsent(vm.host(), why));
        return no;
    }

    private Optional<String> ask(PlannedVm vm) {
        if (!veto.present()) {
            return Optional.empty();
        }
        Optional<String> no = veto.check(vm.host(), vm.wave());
        metrics.ifPresent(m -> m.blocked(vm.host(), no.isPresent()));
        no.ifPresent(why -> notifier.send(WatchEvent.of(WatchEvent.BLOCKED, "", vm.host(), clock.instant(), why, WatchEvent.EventFigures.ofWave(vm.wave() + 1))));
        return no;
    }

    static String when(Instant t) {
        return WHEN.withZone(ZoneId.systemDefault()).format(t);
    }
}
