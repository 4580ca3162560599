package org.bgreboot.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.memory.BgrebootProcess;
import org.bgreboot.engine.memory.Fate;
import org.bgreboot.engine.memory.Faults;
import org.bgreboot.engine.memory.Killed;
import org.bgreboot.engine.memory.MemorySpecs;
import org.bgreboot.engine.memory.MemoryVm;
import org.bgreboot.engine.memory.ShmTempDir;
import org.bgreboot.engine.memory.World;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.reboot.Journal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A roll's scheduling across hosts of a world in memory, with clients writing to every VM
 * throughout: at most {@code --parallel} reboots per host, at most {@code --max-unavailable} VMs
 * whose clients cannot write at once across the fleet, a clone started only where its host has
 * the memory, {@code --on-failure stop} and {@code continue}, a host that does not answer, and a
 * roll killed midway then resumed from its journal.
 */
class FleetRollMemoryTest {
    private static final long MIB = 1L << 20;
    /** Room on a host for every VM's instance, and for this many clones beside them (each 512 MiB, plus the roll's 128 MiB reserve). */
    private static long room(int vms, int clones) {
        return vms * 512 * MIB + clones * 640 * MIB + 64 * MIB;
    }

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    /** Hosts of one world, their VMs serving, clients writing to each. */
    private final class Rig implements AutoCloseable {
        final World world = new World();
        final Faults faults = Faults.install();
        final List<String> hosts = new ArrayList<>();
        final List<String> vms = new ArrayList<>();
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final ByteArrayOutputStream board = new ByteArrayOutputStream();
        final AtomicBoolean writing = new AtomicBoolean(true);
        final Thread clients = new Thread(this::write, "clients");
        BgrebootProcess process = world.process();
        final Map<String, java.util.function.UnaryOperator<org.bgreboot.spec.VmSpec>> edits = new java.util.HashMap<>();

        /** The VM's spec is edited so before its host is set up. */
        Rig edit(String vm, java.util.function.UnaryOperator<org.bgreboot.spec.VmSpec> edit) {
            edits.put(vm, edit);
            return this;
        }

        Rig host(String host, long capacity, String... names) {
            world.host(host, capacity);
            hosts.add(host);
            for (String name : names) {
                // boots and switches that take a while, so that what may overlap does, even on a busy host
                world.register(edits.getOrDefault(name, s -> s).apply(MemorySpecs.spec(dir, name)), host).bootMs = 80;
                world.script(name).attachMs = 40;
                MemoryVm vm = world.engine(host, process).vm(world.spec(name), MemoryHosts.stateDir(dir, name));
                try (Instance i = vm.start(Progress.SILENT)) {
                    VmBoot.await(vm, i, Progress.SILENT);
                }
                vms.add(name);
            }
            return this;
        }

        Rig start() {
            clients.setDaemon(true);
            clients.start();
            return this;
        }

        private void write() {
            while (writing.get()) {
                for (String vm : vms) {
                    world.write(vm);
                }
                org.bgreboot.Sleep.ms(2);
            }
        }

        MemoryHosts hostsOf(BgrebootProcess p) {
            return new MemoryHosts(world, p, dir, hosts);
        }

        FleetPlan plan(int parallel, int maxUnavailable, OnFailure onFailure) {
            return FleetPlanner.plan(new FleetRequest(hosts, vms, false, parallel, maxUnavailable, onFailure, false), hostsOf(process));
        }

        FleetReport roll(FleetPlan plan) {
            return run(FleetJournal.begin(dir.resolve("fleet"), plan));
        }

        FleetReport run(FleetJournal journal) {
            PrintStream out = new PrintStream(board, true, StandardCharsets.UTF_8);
            return new FleetRoll(new Home(dir, dir, dir), hostsOf(process), journal, out, lines::add, false, RollHooks.plain(), Duration.ofMillis(5)).run();
        }

        Map<String, VmProgress.State> states(FleetReport r) {
            Map<String, VmProgress.State> m = new java.util.LinkedHashMap<>();
            r.vms().forEach(p -> m.put(p.vm(), p.state()));
            return m;
        }

        VmProgress progressOf(FleetReport r, String vm) {
            return r.vms().stream().filter(p -> p.vm().equals(vm)).findFirst().orElseThrow();
        }

        String story() {
            return "world:\n  " + String.join("\n  ", world.events()) + "\nroll:\n  " + String.join("\n  ", List.copyOf(lines)) + "\nboard:\n"
                    + board.toString(StandardCharsets.UTF_8);
        }

        /** Every VM is served by exactly one instance with every acknowledged write, no promise broken, no reboot unfinished. */
        void assertEveryVmServes() {
            for (String vm : vms) {
                assertThat(world.servingProblems(vm)).as(vm + "\n" + story()).isEmpty();
                assertThat(Journal.active(MemoryHosts.stateDir(dir, vm))).as(vm + ": an unfinished reboot").isEmpty();
            }
            assertThat(world.violations()).as(this::story).isEmpty();
        }

        @Override public void close() throws InterruptedException {
            writing.set(false);
            if (clients.isAlive()) {
                clients.join();
            }
            faults.close();
        }
    }

    @Test
    void atMostParallelRebootsPerHostAndOneVmUnavailableAtOnceAcrossTheFleet() throws Exception {
        try (Rig rig = new Rig().host("h1", room(4, 4), "a1", "a2", "a3", "a4").host("h2", room(4, 4), "b1", "b2", "b3", "b4").start()) {
            FleetPlan plan = rig.plan(2, 1, OnFailure.STOP);
            assertThat(plan.vms()).extracting(PlannedVm::wave).containsExactly(0, 0, 1, 1, 0, 0, 1, 1);
            FleetReport r = rig.roll(plan);
            assertThat(rig.states(r).values()).as(rig::story).containsOnly(VmProgress.State.SWITCHED);
            assertThat(rig.world.maxClonesAtOnce("h1")).as("clones at once on h1 (--parallel 2)").isEqualTo(2);
            assertThat(rig.world.maxClonesAtOnce("h2")).as("clones at once on h2 (--parallel 2)").isEqualTo(2);
            assertThat(rig.world.maxUnavailableAtOnce()).as("VMs whose clients could not write at once (--max-unavailable 1)").isEqualTo(1);
            assertThat(r.maxClonesPerHost().values()).allMatch(n -> n <= 2);
            assertThat(r.problems()).isEmpty();
            rig.assertEveryVmServes();
        }
    }

    @Test
    void moreSwitchesOverlapWhenMoreMayBeUnavailableButNeverMoreThanAllowed() throws Exception {
        try (Rig rig = new Rig().host("h1", room(3, 3), "a1", "a2", "a3").host("h2", room(3, 3), "b1", "b2", "b3").start()) {
            rig.vms.forEach(vm -> rig.world.script(vm).attachMs = 150); // two switches let through together overlap for sure
            FleetReport r = rig.roll(rig.plan(3, 2, OnFailure.STOP));
            assertThat(rig.states(r).values()).as(rig::story).containsOnly(VmProgress.State.SWITCHED);
            // three may run at once; that all three did depends on the scheduler of a busy host, that more never did does not
            assertThat(rig.world.maxClonesAtOnce("h1")).isBetween(2, 3);
            assertThat(rig.world.maxUnavailableAtOnce()).as("--max-unavailable 2 with six clones ready about together").isEqualTo(2);
            rig.assertEveryVmServes();
        }
    }

    @Test
    void aCloneWaitsUntilItsHostHasTheMemoryForIt() throws Exception {
        try (Rig rig = new Rig().host("h1", room(3, 1), "a1", "a2", "a3").start()) {
            FleetReport r = rig.roll(rig.plan(3, 3, OnFailure.STOP));
            assertThat(rig.states(r).values()).as(rig::story).containsOnly(VmProgress.State.SWITCHED);
            assertThat(rig.world.maxClonesAtOnce("h1")).as("room for one clone at a time, though --parallel 3").isEqualTo(1);
            assertThat(rig.lines).anyMatch(l -> l.contains("queued: the host has") && l.contains("the clone needs 640 MiB"));
            rig.assertEveryVmServes();
        }
    }

    @Test
    void aFailureStopsTheRollWithThatVmUntouchedAndTheRestNotStarted() throws Exception {
        try (Rig rig = new Rig().host("h1", room(3, 3), "a1", "a2", "a3").start()) {
            rig.world.script("a2").cloneFates.add(Fate.PANICS);
            World.Fg a2 = rig.world.snapshot("a2");
            FleetReport r = rig.roll(rig.plan(1, 1, OnFailure.STOP));
            assertThat(rig.states(r)).as(rig::story).containsExactly(Map.entry("a1", VmProgress.State.SWITCHED),
                    Map.entry("a2", VmProgress.State.ABORTED), Map.entry("a3", VmProgress.State.SKIPPED));
            assertThat(rig.progressOf(r, "a2").detail()).contains("panicked");
            assertThat(rig.progressOf(r, "a3").detail()).contains("not started: the roll stopped after a2");
            assertThat(rig.world.clonesLaunched("a3")).isZero();
            assertThat(rig.world.changedSince(a2)).as(rig::story).isEmpty();
            assertThat(r.problems()).hasSize(2);
            rig.assertEveryVmServes();
        }
    }

    @Test
    void aFailureWithOnFailureContinueLetsTheOthersSwitch() throws Exception {
        try (Rig rig = new Rig().edit("a2", s -> MemorySpecs.withReadyTimeout(s, Duration.ofMillis(300))) // gives up on its clone in a moment
                .host("h1", room(3, 3), "a1", "a2", "a3").start()) {
            rig.world.script("a2").cloneFates.add(Fate.HANGS);
            FleetReport r = rig.roll(rig.plan(1, 1, OnFailure.CONTINUE));
            assertThat(rig.states(r)).as(rig::story).containsExactly(Map.entry("a1", VmProgress.State.SWITCHED),
                    Map.entry("a2", VmProgress.State.ABORTED), Map.entry("a3", VmProgress.State.SWITCHED));
            rig.assertEveryVmServes();
        }
    }

    @Test
    void aHostThatDoesNotAnswerHasItsVmsSkippedAndTheOtherHostsRolled() throws Exception {
        try (Rig rig = new Rig().host("h1", room(2, 2), "a1", "a2").host("h2", room(2, 2), "b1", "b2").start()) {
            FleetPlan plan = rig.plan(1, 1, OnFailure.STOP);
            rig.world.hostDown("h2");
            FleetReport r = rig.roll(plan);
            assertThat(rig.world.clonesLaunched("b1") + rig.world.clonesLaunched("b2")).isZero();
            assertThat(rig.states(r)).as(rig::story).containsEntry("a1", VmProgress.State.SWITCHED).containsEntry("a2", VmProgress.State.SWITCHED)
                    .containsEntry("b1", VmProgress.State.SKIPPED).containsEntry("b2", VmProgress.State.SKIPPED);
            assertThat(rig.progressOf(r, "b1").detail()).isEqualTo("host h2 does not answer");
            assertThat(r.hosts()).contains(new FleetReport.HostState("h2", false, 2));
            assertThat(r.problems()).contains("host h2 does not answer");
            rig.assertEveryVmServes();
        }
    }

    @Test
    void aHostThatStopsAnsweringMidRollIsReportedAndTheOtherHostRollsOnUnharmed() throws Exception {
        try (Rig rig = new Rig().host("h1", room(2, 2), "a1", "a2").host("h2", room(2, 2), "b1", "b2").start()) {
            AtomicBoolean once = new AtomicBoolean();
            rig.faults.on("after:await_ready", () -> {
                if (Thread.currentThread().getName().startsWith("fleet-h2-") && once.compareAndSet(false, true)) {
                    rig.world.hostDown("h2");
                }
            });
            FleetReport r = rig.roll(rig.plan(1, 2, OnFailure.CONTINUE));
            assertThat(rig.states(r)).as(rig::story).containsEntry("a1", VmProgress.State.SWITCHED).containsEntry("a2", VmProgress.State.SWITCHED)
                    .containsEntry("b1", VmProgress.State.FAILED).containsEntry("b2", VmProgress.State.SKIPPED);
            assertThat(rig.progressOf(r, "b1").detail()).as(rig::story).contains("host h2 stopped answering");
            assertThat(rig.progressOf(r, "b2").detail()).isEqualTo("host h2 does not answer");
            assertThat(r.hosts()).contains(new FleetReport.HostState("h2", false, 2));
            assertThat(Journal.active(MemoryHosts.stateDir(dir, "b1"))).as("b1's reboot is left to recover").isPresent();
            org.bgreboot.output.Schemas.assertValid("fleet", r.json(r.problems())); // failed: no outcome of the roll's, its figures kept
            // the host answers again: b1's own recovery puts it back as it was
            rig.world.hostUp("h2");
            rig.process = rig.world.process();
            org.bgreboot.reboot.Recovery.Result back = new org.bgreboot.reboot.Recovery(rig.hostsOf(rig.process).vm("h2", "b1"), rig.lines::add).run();
            assertThat(back.outcome().orElseThrow()).isInstanceOf(org.bgreboot.reboot.Outcome.Aborted.class);
            rig.assertEveryVmServes();
        }
    }

    @Test
    void aRollKilledMidwayIsFinishedByResumeWithTheInterruptedVmRecoveredAndNoneRebootedTwice() throws Exception {
        try (Rig rig = new Rig().host("h1", room(3, 3), "a1", "a2", "a3").host("h2", room(3, 3), "b1", "b2", "b3").start()) {
            FleetPlan plan = rig.plan(1, 2, OnFailure.STOP);
            FleetJournal journal = FleetJournal.begin(dir.resolve("fleet"), plan);
            Thread roll = Thread.currentThread();
            BgrebootProcess first = rig.process;
            AtomicBoolean killed = new AtomicBoolean();
            rig.faults.on("after:plug_disk", () -> { // a2 is past its point of no return: the whole roll dies there
                if (Thread.currentThread().getName().startsWith("fleet-h1-") && rig.world.serving("a1").map(id -> !id.equals("g0")).orElse(false)
                        && killed.compareAndSet(false, true)) {
                    first.kill();
                    roll.interrupt();
                    throw new Killed("at after:plug_disk");
                }
            });
            assertThatThrownBy(() -> rig.run(journal)).isInstanceOfAny(Killed.class, IllegalStateException.class);
            Thread.interrupted();
            awaitRollThreads();
            rig.faults.disarm();

            FleetJournal left = FleetJournal.read(journal.file());
            Map<String, VmProgress.State> before = new java.util.LinkedHashMap<>();
            left.all().forEach(p -> before.put(p.vm(), p.state()));
            assertThat(before).as(rig::story).containsEntry("a1", VmProgress.State.SWITCHED).containsEntry("a2", VmProgress.State.RUNNING);
            Set<String> done = ConcurrentHashMap.newKeySet();
            before.forEach((vm, s) -> {
                if (s == VmProgress.State.SWITCHED) {
                    done.add(vm);
                }
            });
            Map<String, Integer> clones = new java.util.HashMap<>();
            rig.vms.forEach(vm -> clones.put(vm, rig.world.clonesLaunched(vm)));

            rig.process = rig.world.process();
            FleetReport r = rig.run(FleetJournal.read(journal.file()));
            assertThat(rig.states(r).values()).as(rig::story).containsOnly(VmProgress.State.SWITCHED);
            assertThat(rig.progressOf(r, "a2").detail()).contains("recovered: completed the switch");
            assertThat(rig.world.clonesLaunched("a2")).as("a2 was completed, not rebooted again").isEqualTo(clones.get("a2"));
            for (String vm : done) {
                assertThat(rig.world.clonesLaunched(vm)).as(vm + " finished before the kill: not redone").isEqualTo(clones.get(vm));
            }
            rig.assertEveryVmServes();
        }
    }

    @Test
    void thePlannerFindsEachVmOnItsHostAndRefusesOneOnNoHost() throws Exception {
        try (Rig rig = new Rig().host("h1", room(3, 0), "a1", "a2", "a3").host("h2", room(1, 0), "b1")) {
            FleetPlan plan = rig.plan(2, 1, OnFailure.STOP);
            assertThat(plan.vms()).extracting(PlannedVm::vm, PlannedVm::host, PlannedVm::wave).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("a1", "h1", 0), org.assertj.core.groups.Tuple.tuple("a2", "h1", 0),
                    org.assertj.core.groups.Tuple.tuple("a3", "h1", 1), org.assertj.core.groups.Tuple.tuple("b1", "h2", 0));
            assertThat(plan.text()).contains("4 VMs on 2 hosts; at most 2 reboots at once per host, at most 1 VM in a switch at once");
            assertThatThrownBy(() -> FleetPlanner.plan(new FleetRequest(rig.hosts, List.of("c9"), false, 1, 1, OnFailure.STOP, false), rig.hostsOf(rig.process)))
                    .isInstanceOf(UserError.class).hasMessageContaining("VM c9 is on no host of the roll");
        }
    }

    /** The killed roll's worker threads end at their next call into the world. */
    private static void awaitRollThreads() throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("fleet-")) {
                t.join(10_000);
            }
        }
    }
}
