package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bgreboot.FaultPoint;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.engine.libvirt.LibvirtVm;
import org.bgreboot.experiment.LibvirtLab;
import org.bgreboot.measure.RawHttp;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.ServiceWatch;
import org.bgreboot.reboot.Journal;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.spec.VmSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A whole-host crash in the middle of a switch: bgreboot, every QEMU of the VM and (libvirt)
 * libvirtd SIGKILLed at one moment, at points spread over the switch, on both engines. Then, as
 * after the host came back, libvirtd is started again (the embedded engine has no daemon) and
 * {@code bgreboot recover} is run once: it must end with exactly one serving VM, the service
 * answering, every write acknowledged before the crash on the persistent disk, the disk never
 * opened by a QEMU while another had it, the journal closed and nothing left to recover.
 *
 * <p>Each trial is a reboot up to its point (the clone's boot included) and a recovery that boots
 * the VM cold: 1.5-3 min here under TCG. So the suite runs two trials, one per engine, at points on
 * either side of the point of no return; {@code -Dbgreboot.crash.points=all} (or a comma list of
 * points) runs the whole table, for at most {@code -Dbgreboot.crash.minutes} (default 60) minutes,
 * and prints it (point, what recover did, writes lost) and writes it to target/host-crash-trials.txt.
 */
@ExtendWith(KillStrayVms.class)
class HostCrashIT {
    /** Every step boundary of the handover switch, and the moment before it. */
    static final List<String> ALL_POINTS = List.of("after:await_ready", "before:take_network", "after:take_network", "after:release",
            "before:stop_fg", "after:stop_fg", "before:plug_disk", "after:plug_disk", "after:attach", "after:promote", "before:retire");
    private static final Map<String, List<String>> DEFAULT = Map.of("embedded", List.of("after:release"), "libvirt", List.of("after:stop_fg"));
    private static final long BUDGET_NANOS = Long.getLong("bgreboot.crash.minutes", 60) * 60_000_000_000L;
    private static final long START = System.nanoTime();
    private static final List<String> TABLE = new ArrayList<>();
    private static Target embedded;
    private static Target libvirt;

    /** One VM under trial and how to crash and inspect it. */
    private interface Target {
        String engine();

        VmSpec spec();

        Path persistentDisk();

        /** The CLI's arguments naming the VM (and its host). */
        List<String> vmArgs();

        /** Every QEMU process of the VM now. */
        List<Long> qemuPids();

        /** The daemon to kill with them, if the engine has one. */
        Optional<Long> daemonPid();

        /** What the host does when it comes back before anyone runs bgreboot. */
        void hostBack();

        /** How many instances of the VM run; whether a reboot is unfinished. */
        int running();

        boolean journalOpen();

        List<String> leftovers();
    }

    static Stream<Arguments> trials() {
        String wanted = System.getProperty("bgreboot.crash.points", "");
        List<Arguments> out = new ArrayList<>();
        for (String engine : List.of("libvirt", "embedded")) {
            List<String> points = wanted.isEmpty() ? DEFAULT.get(engine) : wanted.equals("all") ? ALL_POINTS : Arrays.asList(wanted.split(","));
            points.forEach(p -> out.add(Arguments.of(engine, p)));
        }
        return out.stream();
    }

    @AfterAll
    static void printTheTable() throws IOException {
        if (TABLE.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%-9s %-20s %-70s %6s %5s %6s", "engine", "point", "what recover did", "acked", "lost", "trial"));
        lines.addAll(TABLE);
        lines.add(String.format("%d trials in %.1f min", TABLE.size(), (System.nanoTime() - START) / 60e9));
        Files.write(TestVms.REPO.resolve("target/host-crash-trials.txt"), lines);
        lines.forEach(System.out::println);
        if (libvirt != null) {
            LibvirtTestLab.remove(((LibvirtTarget) libvirt).d);
        }
        if (embedded != null) {
            TestVms.lab().stop(((EmbeddedTarget) embedded).vm);
        }
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("trials")
    void aHostCrashAnywhereInTheSwitchIsRecoveredToOneServingVmWithNothingLost(String engine, String point) throws Exception {
        Assumptions.assumeTrue(System.nanoTime() - START < BUDGET_NANOS, "past the trials' time budget (-Dbgreboot.crash.minutes)");
        long t0 = System.nanoTime();
        Target t = engine.equals("libvirt") ? libvirt() : embedded();
        URI service = MeasuredReboot.serviceUri(t.spec());
        Path log = TestVms.home().home().resolve("crash-" + engine + "-" + point.replace(':', '-') + ".log");
        Cli.Run recovered;
        ServiceWatch.Seen seen;
        try (OpenFileWatch open = new OpenFileWatch(t.persistentDisk());
             ServiceWatch watch = ServiceWatch.start(service, RunClock.start())) {
            List<String> args = new ArrayList<>(List.of("reboot"));
            args.addAll(t.vmArgs());
            Process reboot = FaultIT.startCli(Map.of(FaultPoint.PAUSE_ENV, point), log, args.toArray(String[]::new));
            TestVms.await("bgreboot to reach " + point, Duration.ofMinutes(10), () -> read(log).contains("paused at " + point) || !reboot.isAlive());
            assertThat(reboot.isAlive()).as("bgreboot reached " + point + ": " + read(log)).isTrue();
            List<Long> victims = new ArrayList<>(List.of(reboot.pid()));
            victims.addAll(t.qemuPids());
            t.daemonPid().ifPresent(victims::add);
            // one moment: the signals go out back to back, before any of them is awaited
            List<ProcessHandle> handles = victims.stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
            handles.forEach(ProcessHandle::destroyForcibly);
            TestVms.await("every killed process gone", Duration.ofSeconds(30), () -> handles.stream().noneMatch(ProcessHandle::isAlive));
            System.out.println("host crash at " + point + ": SIGKILL to " + victims + " (bgreboot, the VM's QEMUs" + (t.daemonPid().isPresent() ? ", libvirtd)" : ")"));
            t.hostBack();
            List<String> rargs = new ArrayList<>(List.of("recover"));
            rargs.addAll(t.vmArgs());
            recovered = Cli.run(rargs.toArray(String[]::new));
            // switched (0), rolled back with FG booted again (3: aborted), or the updated disks cold-booted (4): one VM serves in each
            assertThat(recovered.exit()).as("recover after a crash at " + point + ": " + recovered.stdout() + recovered.stderr()).isIn(0, 3, 4);
            TestVms.await("the service to answer again", Duration.ofMinutes(5), () -> answers(service));
            seen = watch.stop();
            assertThat(open.opensWhileHeld()).as(open.describe()).isEmpty();
        }
        assertThat(seen.ledgerUnreadable()).isEmpty();
        assertThat(seen.ledger().ackedCount()).isPositive();
        assertThat(seen.ledger().missingAcked()).as("acknowledged writes lost after a crash at " + point).isEmpty();
        assertThat(t.running()).as("instances of the VM running after recover").isEqualTo(1);
        assertThat(t.journalOpen()).as("an unfinished reboot after recover").isFalse();
        assertThat(t.leftovers()).isEmpty();
        List<String> again = new ArrayList<>(List.of("recover"));
        again.addAll(t.vmArgs());
        assertThat(Cli.run(again.toArray(String[]::new)).stdout()).contains("nothing to recover");
        String did = recovered.stdout().lines().filter(l -> l.startsWith("outcome: ")).map(l -> l.substring(9))
                .findFirst().orElse("?").replaceFirst("^switched: the clone serves the update$", "completed the switch: the clone serves the update");
        TABLE.add(String.format("%-9s %-20s %-70s %6d %5d %5.0fs", engine, point, did.length() > 70 ? did.substring(0, 67) + "..." : did,
                seen.ledger().ackedCount(), seen.ledger().missingAcked().size(), (System.nanoTime() - t0) / 1e9));
        System.out.println(TABLE.get(TABLE.size() - 1));
    }

    private static boolean answers(URI service) {
        try {
            return RawHttp.get(service, Duration.ofSeconds(2)).status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    // ---- the two engines --------------------------------------------------------------------------

    private static synchronized Target embedded() {
        if (embedded == null) {
            Path spec = TestVms.writeDemoSpec("crash");
            EmbeddedVm vm = TestVms.vm(spec);
            TestVms.lab().freshStart(vm);
            embedded = new EmbeddedTarget(vm, TestVms.nameOf(spec));
        }
        return embedded;
    }

    private static synchronized Target libvirt() {
        if (libvirt == null) {
            LibvirtLab.DemoDomain d = LibvirtTestLab.newDomain("lvcrash", 0);
            Cli.Run start = Cli.run("vm", "start", "--connect", d.host().uri(), d.spec().toString());
            assertThat(start.exit()).as(start.stderr()).isZero();
            libvirt = new LibvirtTarget(d);
        }
        return libvirt;
    }

    private record EmbeddedTarget(EmbeddedVm vm, String name) implements Target {
        @Override public String engine() {
            return "embedded";
        }

        @Override public VmSpec spec() {
            return vm.spec();
        }

        @Override public Path persistentDisk() {
            return vm.spec().persistentDisk().path();
        }

        @Override public List<String> vmArgs() {
            return List.of(name);
        }

        @Override public List<Long> qemuPids() {
            return TestVms.qemuPids(vm);
        }

        @Override public Optional<Long> daemonPid() {
            return Optional.empty();
        }

        @Override public void hostBack() { }

        @Override public int running() {
            return TestVms.qemuPids(vm).size();
        }

        @Override public boolean journalOpen() {
            return Journal.active(vm.stateDir()).isPresent();
        }

        @Override public List<String> leftovers() {
            return vm.inspection().leftovers();
        }
    }

    private record LibvirtTarget(LibvirtLab.DemoDomain d) implements Target {
        @Override public String engine() {
            return "libvirt";
        }

        @Override public VmSpec spec() {
            return LibvirtTestLab.spec(d);
        }

        @Override public Path persistentDisk() {
            return d.persistent();
        }

        @Override public List<String> vmArgs() {
            return List.of("--connect", d.host().uri(), d.vm());
        }

        /** The QEMU pid of every domain of the VM, as the host's libvirtd recorded it (its run/qemu/DOMAIN.pid). */
        @Override public List<Long> qemuPids() {
            List<Long> out = new ArrayList<>();
            try (Stream<Path> files = Files.list(d.host().dir().resolve("run/qemu"))) {
                for (Path f : files.toList()) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(".pid") && n.replaceFirst("\\.pid$", "").matches(java.util.regex.Pattern.quote(d.vm()) + "(-g\\d+)?")) {
                        long pid = Long.parseLong(Files.readString(f).strip());
                        ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(h -> out.add(pid));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                throw new IllegalStateException("cannot read the QEMU pids of " + d.vm() + ": " + e.getMessage(), e);
            }
            return out;
        }

        @Override public Optional<Long> daemonPid() {
            return LibvirtTestLab.libvirtdPid(d);
        }

        @Override public void hostBack() {
            LibvirtTestLab.startLibvirtd(d);
        }

        @Override public int running() {
            return LibvirtTestLab.running(d).size();
        }

        @Override public boolean journalOpen() {
            try (LibvirtEngine e = LibvirtTestLab.engine(d.host().uri())) {
                LibvirtVm vm = LibvirtTestLab.vm(e, d);
                return Journal.active(vm.stateDir()).isPresent();
            }
        }

        @Override public List<String> leftovers() {
            try (LibvirtEngine e = LibvirtTestLab.engine(d.host().uri())) {
                return LibvirtTestLab.vm(e, d).inspection().leftovers();
            }
        }
    }

    static {
        // the whole table takes long: say so at the start
        if (!System.getProperty("bgreboot.crash.points", "").isEmpty()) {
            System.out.println("host crash trials: points " + System.getProperty("bgreboot.crash.points") + ", budget "
                    + TimeUnit.NANOSECONDS.toMinutes(BUDGET_NANOS) + " min");
        }
    }
}
