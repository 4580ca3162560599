package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bgreboot.FaultPoint;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.experiment.LibvirtLab;
import org.bgreboot.measure.RawHttp;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.ServiceWatch;
import org.bgreboot.reboot.Journal;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.spec.VmSpec;

/**
 * One trial of a whole-host crash in the middle of a switch: a reboot held at a fault point
 * ({@code BGREBOOT_PAUSE}), then bgreboot, every QEMU of the VM and (libvirt) libvirtd SIGKILLed
 * back to back, before any of them is awaited; then, as when the host comes back, libvirtd started
 * again (the embedded engine has no daemon) and {@code bgreboot recover} run once. It must end with
 * exactly one serving VM, the service answering, every write acknowledged before the crash on the
 * persistent disk, the disk never opened by a QEMU while another had it, the journal closed and
 * nothing left to recover. Used by {@link FaultIT}, {@link LibvirtFaultIT} (one trial each, on their
 * VMs) and {@link HostCrashIT} (the whole table).
 */
final class HostCrash {
    private HostCrash() {}

    /** A VM under trial: how to crash it and how to look at it. */
    interface Target {
        String engine();

        VmSpec spec();

        Path persistentDisk();

        /** The CLI's arguments naming the VM (and its host). */
        List<String> vmArgs();

        /** Every QEMU process of the VM now. */
        List<Long> qemuPids();

        /** The daemon to kill with them, if the engine has one. */
        Optional<Long> daemonPid();

        /** What the host does when it comes back, before anyone runs bgreboot. */
        void hostBack();

        /** How many instances of the VM run. */
        int running();

        boolean journalOpen();

        List<String> leftovers();
    }

    /** One row of the trials' table. */
    record Row(String engine, String point, String recovered, int acked, int lost, double seconds) {
        static String header() {
            return String.format("%-9s %-20s %-96s %6s %5s %6s", "engine", "point", "what recover did", "acked", "lost", "trial");
        }

        String line() {
            return String.format("%-9s %-20s %-96s %6d %5d %5.0fs", engine, point, recovered.length() > 96 ? recovered.substring(0, 93) + "..." : recovered,
                    acked, lost, seconds);
        }
    }

    static Row trial(Target t, String point) throws Exception {
        long t0 = System.nanoTime();
        URI service = MeasuredReboot.serviceUri(t.spec());
        Path log = TestVms.home().home().resolve("crash-" + t.engine() + "-" + point.replace(':', '-') + ".log");
        Cli.Run recovered;
        ServiceWatch.Seen seen;
        try (OpenFileWatch open = new OpenFileWatch(t.persistentDisk());
             ServiceWatch watch = ServiceWatch.start(service, RunClock.start())) {
            Process reboot = FaultIT.startCli(Map.of(FaultPoint.PAUSE_ENV, point), log, args("reboot", t));
            TestVms.await("bgreboot to reach " + point, Duration.ofMinutes(10), () -> read(log).contains("paused at " + point) || !reboot.isAlive());
            assertThat(reboot.isAlive()).as("bgreboot reached " + point + ": " + read(log)).isTrue();
            List<Long> victims = new ArrayList<>(List.of(reboot.pid()));
            victims.addAll(t.qemuPids());
            Optional<Long> daemon = t.daemonPid();
            daemon.ifPresent(victims::add);
            List<ProcessHandle> handles = victims.stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
            handles.forEach(ProcessHandle::destroyForcibly); // one moment: every signal sent before any end is awaited
            TestVms.await("every killed process gone", Duration.ofSeconds(30), () -> handles.stream().noneMatch(ProcessHandle::isAlive));
            System.out.println("host crash at " + point + ": SIGKILL to " + victims + " (bgreboot, the VM's QEMUs" + (daemon.isPresent() ? ", libvirtd)" : ")"));
            t.hostBack();
            recovered = Cli.run(args("recover", t));
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
        assertThat(Cli.run(args("recover", t)).stdout()).contains("nothing to recover");
        String did = recovered.stdout().lines().filter(l -> l.startsWith("outcome: ")).map(l -> l.substring(9)).findFirst().orElse("?");
        Row row = new Row(t.engine(), point, did, seen.ledger().ackedCount(), seen.ledger().missingAcked().size(), (System.nanoTime() - t0) / 1e9);
        System.out.println(Row.header() + "\n" + row.line());
        return row;
    }

    private static String[] args(String command, Target t) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(t.vmArgs());
        return a.toArray(String[]::new);
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

    record Embedded(EmbeddedVm vm, String name) implements Target {
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

    record Libvirt(LibvirtLab.DemoDomain d) implements Target {
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
                return Journal.active(LibvirtTestLab.vm(e, d).stateDir()).isPresent();
            }
        }

        @Override public List<String> leftovers() {
            try (LibvirtEngine e = LibvirtTestLab.engine(d.host().uri())) {
                return LibvirtTestLab.vm(e, d).inspection().leftovers();
            }
        }
    }
}
