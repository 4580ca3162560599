package org.bgreboot.fleet;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.bgreboot.Home;
import org.bgreboot.Progress;

/**
 * {@code bgreboot fleet}: plan a roll across libvirt hosts, print the plan, then run it (or
 * {@code resume} one from its journal), and report. The entry point the CLI and the fleet demo use.
 */
public final class Fleet {
    private final Home home;
    private final PrintStream out;
    private final Progress progress;
    private final boolean terminal;

    public Fleet(Home home, PrintStream out, Progress progress, boolean terminal) {
        this.home = home;
        this.out = out;
        this.progress = progress;
        this.terminal = terminal;
    }

    /** The roll's plan, for {@code --dry-run}: every host answered, every VM was found once and checked. */
    public FleetPlan plan(FleetRequest r) {
        try (FleetHosts hosts = LibvirtHosts.connect(home, r.hosts())) {
            return FleetPlanner.plan(r, hosts);
        }
    }

    public FleetReport roll(FleetRequest r) {
        return roll(r, RollHooks.plain());
    }

    /** A roll with a gate before each VM, a stop for signals and a listener (the watch's; {@code fleet}'s signals). */
    public FleetReport roll(FleetRequest r, RollHooks hooks) {
        try (FleetHosts hosts = LibvirtHosts.connect(home, r.hosts())) {
            FleetPlan plan = FleetPlanner.plan(r, hosts);
            out.print(plan.text());
            try (FleetLock lock = FleetLock.acquire(stateDirs(plan), "fleet roll " + plan.id())) {
                FleetJournal journal = FleetJournal.begin(dir(), plan);
                hooks.stop().journal(journal.file());
                out.println("roll " + plan.id() + "; if it is stopped or killed: bgreboot fleet resume " + journal.file());
                return new FleetRoll(home, hosts, journal, out, progress, terminal, hooks).run();
            }
        }
    }

    /** Continues a roll from its journal: VMs caught mid-reboot are recovered by their own journals first. */
    public FleetReport resume(Path file) {
        return resume(file, RollHooks.plain());
    }

    public FleetReport resume(Path file, RollHooks hooks) {
        FleetJournal journal = FleetJournal.read(file);
        FleetPlan plan = journal.plan();
        try (FleetHosts hosts = LibvirtHosts.connectReachable(home, plan.hosts(), progress);
             FleetLock lock = FleetLock.acquire(stateDirs(plan), "fleet roll " + plan.id() + " (resumed)")) {
            out.print(plan.text());
            hooks.stop().journal(journal.file());
            out.println("resuming roll " + plan.id() + " from " + file);
            return new FleetRoll(home, hosts, journal, out, progress, terminal, hooks).run();
        }
    }

    private List<org.bgreboot.state.StateDir> stateDirs(FleetPlan plan) {
        return plan.vms().stream().map(v -> home.stateDir(v.vm())).toList();
    }

    private Path dir() {
        return home.home().resolve("fleet");
    }
}
