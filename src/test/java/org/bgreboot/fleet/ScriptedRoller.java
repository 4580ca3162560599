package org.bgreboot.fleet;

import org.bgreboot.output.OutcomeFields;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootListener;
import org.bgreboot.watch.Roller;

/**
 * A roller for the watch's unit tests that keeps the fleet's contract without guests: the journal
 * is set before anything starts, each VM is offered to the gate (dropped: skipped; held: pending),
 * a started VM is heard from start to outcome, its reboot takes {@code rebootTime} on the test's
 * clock, and a resume continues the VMs still pending (or running, as if recovered and rebooted).
 * What a VM's reboot ends in is scripted; a kill can be scripted after a VM starts.
 */
public final class ScriptedRoller implements Roller {
    public record Started(String vm, java.time.Instant at) {}

    private final Path dir;
    private final Consumer<Duration> advance;
    private final java.time.Clock clock;
    private final Duration rebootTime;
    private final Map<String, Outcome> outcomes = new LinkedHashMap<>();
    private final Map<Path, List<VmProgress>> journals = new LinkedHashMap<>();
    private final Map<Path, FleetPlan> plans = new LinkedHashMap<>();
    public final List<Started> started = new ArrayList<>();
    public final List<Path> resumed = new ArrayList<>();
    private String killAfterStartOf;
    private int n;

    public ScriptedRoller(Path dir, java.time.Clock clock, Consumer<Duration> advance, Duration rebootTime) {
        this.dir = dir;
        this.clock = clock;
        this.advance = advance;
        this.rebootTime = rebootTime;
    }

    public void outcome(String vm, Outcome o) {
        outcomes.put(vm, o);
    }

    /** The next roll dies (as a killed watch would) right after this VM's reboot starts. */
    public void killAfterStartOf(String vm) {
        killAfterStartOf = vm;
    }

    public List<String> hostsOf(Path journal) {
        return plans.get(journal).hosts();
    }

    @Override public FleetReport roll(FleetRequest r, RollHooks hooks) {
        Path journal = dir.resolve("roll-" + (++n) + ".json");
        try {
            Files.createDirectories(dir);
            Files.writeString(journal, "{}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<PlannedVm> planned = new ArrayList<>();
        Map<String, Integer> perHost = new LinkedHashMap<>();
        for (String vm : r.vms()) {
            String host = r.hosts().get(0);
            int i = perHost.merge(host, 1, Integer::sum) - 1;
            planned.add(new PlannedVm(vm, host, i / r.parallel(), 256L << 20));
        }
        FleetPlan plan = new FleetPlan("roll-" + n, r.hosts(), planned, r.parallel(), r.maxUnavailable(), r.onFailure(), r.measure());
        plans.put(journal, plan);
        List<VmProgress> ps = new ArrayList<>();
        planned.forEach(v -> ps.add(new VmProgress(v.vm(), v.host(), VmProgress.State.PENDING, "", -1, Optional.empty())));
        journals.put(journal, ps);
        hooks.stop().journal(journal);
        return run(journal, hooks);
    }

    @Override public FleetReport resume(Path journal, RollHooks hooks) {
        resumed.add(journal);
        hooks.stop().journal(journal);
        return run(journal, hooks);
    }

    private FleetReport run(Path journal, RollHooks hooks) {
        FleetPlan plan = plans.get(journal);
        List<VmProgress> ps = journals.get(journal);
        for (int i = 0; i < ps.size(); i++) {
            VmProgress p = ps.get(i);
            PlannedVm v = plan.vms().get(i);
            if (p.finished()) {
                continue;
            }
            Optional<String> drop = hooks.gate().dropBefore(v);
            if (drop.isPresent()) {
                ps.set(i, p.finished(VmProgress.State.SKIPPED, drop.get()));
                continue;
            }
            Optional<String> hold = hooks.stop().requested().isPresent() ? Optional.of("stopped") : hooks.gate().holdBefore(v);
            if (hold.isPresent()) {
                ps.set(i, p.with(VmProgress.State.PENDING, hold.get()));
                hooks.listener().held(v, hold.get());
                continue;
            }
            started.add(new Started(v.vm(), clock.instant()));
            RebootListener l = hooks.listener().reboot(v);
            ps.set(i, p.started(0));
            if (v.vm().equals(killAfterStartOf)) {
                killAfterStartOf = null;
                throw new IllegalStateException("killed");
            }
            advance.accept(rebootTime);
            Outcome o = outcomes.getOrDefault(v.vm(), new Outcome.Switched());
            l.outcome(o);
            VmProgress.State s = VmProgress.State.of(o);
            VmFigures figures = new VmFigures(OutcomeFields.of(o), false, 4.0, 9000.0, 120.0, 1, 0, 10_000, 500, 9500, 9620, Optional.empty(),
                    Optional.empty());
            ps.set(i, ps.get(i).finished(s, o.describe(), figures));
            hooks.listener().finished(v, ps.get(i));
            if (o instanceof Outcome.Aborted a && a.signal().isPresent()) {
                ps.set(i, ps.get(i).with(VmProgress.State.PENDING, "aborted by a signal"));
            }
        }
        return new FleetReport(plan, List.copyOf(ps), List.of(), 0, journal);
    }
}
