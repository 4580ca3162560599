package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.bgreboot.FaultPoint;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.engine.libvirt.LibvirtVm;
import org.bgreboot.experiment.LibvirtLab;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.ServiceWatch;
import org.bgreboot.reboot.Journal;
import org.bgreboot.report.MeasuredReboot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bgreboot killed (as by SIGKILL, at a fault point) after every step of a background reboot of a
 * libvirt domain, and before those whose journal entry alone changes what recovery does, then
 * {@code recover}: exactly one domain of the VM serves, every write the
 * writer saw acknowledged across the fault and the recovery is on the persistent disk, the disk
 * was never open in two QEMU processes, nothing is left over (domains, definitions, layers), the
 * journal is closed and a second recover finds nothing to do. And libvirtd itself killed and
 * started again while a reboot runs, in every phase: the reboot completes or aborts by itself. One
 * domain serves every case.
 */
class LibvirtFaultIT {
    private static LibvirtLab.DemoDomain d;
    private static String uri;

    @BeforeAll
    static void startTheVm() {
        d = LibvirtTestLab.newDomain("lvfault", 0);
        uri = d.host().uri();
        Cli.Run start = Cli.run("vm", "start", "--connect", uri, d.spec().toString());
        assertThat(start.exit()).as(start.stderr()).isZero();
    }

    @AfterAll
    static void removeTheVm() {
        LibvirtTestLab.remove(d);
    }

    /** Every case starts from one serving domain and no unfinished reboot. */
    @BeforeEach
    void oneDomainServes() {
        try (LibvirtEngine e = LibvirtTestLab.engine(uri)) {
            LibvirtVm vm = LibvirtTestLab.vm(e, d);
            if (Journal.active(vm.stateDir()).isPresent()) {
                Cli.run("recover", "--connect", uri, d.vm());
            }
            if (vm.serving().isEmpty()) {
                Cli.run("vm", "start", "--connect", uri, d.vm());
            }
        }
        LibvirtTestLab.identity(d);
    }

    /** How long libvirtd stays dead before a new one is started: bgreboot's calls meet no daemon meanwhile and keep trying. */
    private static final long DAEMON_DOWN_MS = 2_000;

    /**
     * libvirtd SIGKILLed as a phase begins (as its upgrade or a crash would, its domains running on)
     * and a new one started 2 s later, three times in one reboot, so that every phase of the flow
     * meets a restart in one of the two cases: the reboot completes (or aborts) by itself, with no
     * {@code recover} by hand: its journal closed, exactly one domain of the VM running, every
     * acknowledged write on the persistent disk, the disk never opened by a QEMU while another had
     * it, nothing left over.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PREPARE,BG_BOOT,SWITCH", "CLONE,READY,DONE"})
    void libvirtdRestartedInEveryPhaseTheRebootCompletesOrAbortsByItself(String phases) throws Exception {
        List<String> wanted = List.of(phases.split(","));
        String bootBefore = LibvirtTestLab.identity(d).path("boot_id").asText();
        java.nio.file.Path log = TestVms.home().home().resolve("lvrestart-" + phases.replace(',', '-') + ".log");
        List<String> restarted = new java.util.ArrayList<>();
        ServiceWatch.Seen seen;
        int exit;
        long t0 = System.nanoTime();
        try (OpenFileWatch open = new OpenFileWatch(d.persistent());
             ServiceWatch watch = ServiceWatch.start(MeasuredReboot.serviceUri(LibvirtTestLab.spec(d)), RunClock.start())) {
            Process reboot = FaultIT.startCli(Map.of(), log, "reboot", "--connect", uri, d.vm());
            while (reboot.isAlive() && restarted.size() < wanted.size()) {
                String phase = wanted.get(restarted.size());
                if (java.util.regex.Pattern.compile("(?m)^\\[\\s*[0-9.]+s\\] " + phase + "$").matcher(java.nio.file.Files.readString(log)).find()) {
                    long pid = LibvirtTestLab.killLibvirtd(d);
                    FaultIT.sleep(DAEMON_DOWN_MS);
                    LibvirtTestLab.startLibvirtd(d);
                    restarted.add(phase);
                    System.out.printf("libvirtd %d killed as %s began, a new one started %.1f s into the reboot%n", pid, phase, (System.nanoTime() - t0) / 1e9);
                } else {
                    FaultIT.sleep(10);
                }
            }
            assertThat(reboot.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)).as("the reboot ended").isTrue();
            exit = reboot.exitValue();
            seen = watch.stop();
            assertThat(open.opensWhileHeld()).as(open.describe()).isEmpty();
            assertThat(open.maxSimultaneous()).as("QEMU processes with the persistent disk open at once").isLessThanOrEqualTo(1);
        }
        String out = java.nio.file.Files.readString(log);
        System.out.println(out);
        assertThat(exit).as("switched (0) or aborted by itself (3): " + out).isIn(0, 3);
        if (exit == 0) {
            assertThat(restarted).as("a restart in every phase of a reboot that went through").isEqualTo(wanted);
        }
        assertThat(seen.ledgerUnreadable()).isEmpty();
        assertThat(seen.ledger().ackedCount()).isPositive();
        assertThat(seen.ledger().missingAcked()).as("acknowledged writes lost").isEmpty();
        assertThat(LibvirtTestLab.running(d)).as("domains of the VM running").hasSize(1);
        JsonNode after = LibvirtTestLab.identity(d);
        if (exit == 0) {
            assertThat(after.path("kernel").asText()).isEqualTo(TestVms.demoImage().last().kernelRelease());
        } else {
            assertThat(after.path("boot_id").asText()).as("the VM kept serving").isEqualTo(bootBefore);
        }
        try (LibvirtEngine e = LibvirtTestLab.engine(uri)) {
            LibvirtVm vm = LibvirtTestLab.vm(e, d);
            assertThat(Journal.active(vm.stateDir())).as("the reboot's journal closed by the reboot itself").isEmpty();
            assertThat(vm.inspection().leftovers()).isEmpty();
        }
        Cli.Run again = Cli.run("recover", "--connect", uri, d.vm());
        assertThat(again.stdout()).contains("nothing to recover");
        System.out.printf("restarts in %s: exit %d, %d writes acknowledged, 0 lost, %.0f s%n", restarted, exit, seen.ledger().ackedCount(),
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * libvirtd killed as the clone point begins and not back within the bound
     * ({@code --reconnect-timeout 5}): the reboot gives up waiting, cannot undo its steps without a
     * host and says to run recover, leaving its journal; once libvirtd runs again, recover rolls
     * back: one domain serves, nothing lost.
     */
    @org.junit.jupiter.api.Test
    void aLibvirtdAwayLongerThanTheBoundLeavesTheRebootToRecover() throws Exception {
        String bootBefore = LibvirtTestLab.identity(d).path("boot_id").asText();
        java.nio.file.Path log = TestVms.home().home().resolve("lvaway.log");
        ServiceWatch.Seen seen;
        Cli.Run recovered;
        try (ServiceWatch watch = ServiceWatch.start(MeasuredReboot.serviceUri(LibvirtTestLab.spec(d)), RunClock.start())) {
            Process reboot = FaultIT.startCli(Map.of(), log, "reboot", "--connect", uri, "--reconnect-timeout", "5", d.vm());
            TestVms.await("the clone point to begin", java.time.Duration.ofMinutes(5),
                    () -> !reboot.isAlive() || read(log).lines().anyMatch(l -> l.matches("\\[\\s*[0-9.]+s\\] CLONE")));
            LibvirtTestLab.killLibvirtd(d);
            try {
                assertThat(reboot.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)).as("the reboot gave up by itself").isTrue();
            } finally {
                LibvirtTestLab.startLibvirtd(d);
            }
            String out = read(log);
            System.out.println(out);
            assertThat(reboot.exitValue()).as(out).isEqualTo(3);
            assertThat(out).contains("did not answer again within 5 s").contains("run 'bgreboot recover " + d.vm() + "'");
            recovered = Cli.run("recover", "--connect", uri, d.vm());
            seen = watch.stop();
        }
        assertThat(recovered.exit()).as(recovered.stderr()).isEqualTo(3);
        assertThat(recovered.stdout()).contains("rolled back");
        assertThat(seen.ledger().missingAcked()).as("acknowledged writes lost").isEmpty();
        assertThat(LibvirtTestLab.running(d)).as("domains of the VM running").hasSize(1);
        assertThat(LibvirtTestLab.identity(d).path("boot_id").asText()).as("the VM kept serving").isEqualTo(bootBefore);
        try (LibvirtEngine e = LibvirtTestLab.engine(uri)) {
            LibvirtVm vm = LibvirtTestLab.vm(e, d);
            assertThat(Journal.active(vm.stateDir())).isEmpty();
            assertThat(vm.inspection().leftovers()).isEmpty();
        }
    }

    private static String read(java.nio.file.Path log) {
        try {
            return java.nio.file.Files.readString(log);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /**
     * A whole-host crash past the point of no return: bgreboot, both QEMUs and libvirtd SIGKILLed at
     * one moment while FG's destroy is under way; libvirtd started again and one recover boots the
     * updated disks, with every acknowledged write (see {@link HostCrash}; {@link HostCrashIT} has the whole table).
     */
    @org.junit.jupiter.api.Test
    void aWholeHostCrashInTheSwitchIsRecoveredToOneServingDomainWithNothingLost() throws Exception {
        HostCrash.trial(new HostCrash.Libvirt(d), "after:stop_fg");
    }

    /**
     * Each point where the libvirt engine's own work is half done (the flow's own points, all of
     * them, are killed and recovered on the engine in memory in seconds): its scratch layers, the
     * snapshot, the clone's domain, the network handed over, the destroy and the hot-plug, the new
     * definition. A rollback from after:take_network undoes the network, the clone's domain, the
     * snapshot and the scratch layers in turn, so the points before it (after:prepare_clone, after:cut,
     * after:launch_clone: each undoes less of the same) and after:retire (the journal left to close)
     * passed on every run and are left out to keep the suite in its budget, and so is after:stop_fg,
     * which the whole-host crash above reaches with the QEMUs killed too. (before:promote leaves
     * what after:plug_disk does but the guest's attach hook, before:retire what after:promote does.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"after:take_network", "after:plug_disk", "after:promote"})
    void killedAtAFaultPointThenRecoveredLeavesOneServingDomainAndNothingLost(String point) throws Exception {
        // every step after the clone point is undone; from STOP_FG on (journaled: FG may be gone) the switch is completed
        boolean pastNoReturn = List.of("before:stop_fg", "after:stop_fg", "after:restore_clone", "before:plug_disk", "after:plug_disk",
                "after:attach", "before:promote", "after:promote", "before:retire", "after:retire").contains(point);
        String bootBefore = LibvirtTestLab.identity(d).path("boot_id").asText();
        ServiceWatch.Seen seen;
        try (OpenFileWatch open = new OpenFileWatch(d.persistent());
             ServiceWatch watch = ServiceWatch.start(MeasuredReboot.serviceUri(LibvirtTestLab.spec(d)), RunClock.start())) {
            Cli.Run killed = Cli.run(Map.of(FaultPoint.ENV, point), "reboot", "--connect", uri, d.vm());
            assertThat(killed.exit()).as("killed at " + point + ": " + killed.stderr()).isEqualTo(137);
            Cli.Run recovered = Cli.run("recover", "--connect", uri, d.vm());
            assertThat(recovered.exit()).as("switched (0), or rolled back (3: aborted): " + recovered.stderr()).isEqualTo(pastNoReturn ? 0 : 3);
            assertThat(recovered.stdout()).contains(pastNoReturn ? "completed the switch" : "rolled back");
            seen = watch.stop();
            assertThat(open.opensWhileHeld()).as(open.describe()).isEmpty();
            assertThat(open.maxSimultaneous()).as("QEMU processes with the persistent disk open at once").isLessThanOrEqualTo(1);
        }
        assertThat(seen.ledgerUnreadable()).isEmpty();
        assertThat(seen.ledger().ackedCount()).isPositive();
        assertThat(seen.ledger().missingAcked()).as("acknowledged writes lost").isEmpty();
        assertThat(LibvirtTestLab.running(d)).as("domains of the VM running").hasSize(1);
        JsonNode after = LibvirtTestLab.identity(d);
        if (pastNoReturn) {
            assertThat(after.path("boot_id").asText()).as("the clone serves").isNotEqualTo(bootBefore);
            assertThat(after.path("kernel").asText()).isEqualTo(TestVms.demoImage().last().kernelRelease());
        } else {
            assertThat(after.path("boot_id").asText()).as("the VM kept serving").isEqualTo(bootBefore);
        }
        try (LibvirtEngine e = LibvirtTestLab.engine(uri)) {
            LibvirtVm vm = LibvirtTestLab.vm(e, d);
            assertThat(vm.inspection().leftovers()).isEmpty();
            assertThat(Journal.active(vm.stateDir())).isEmpty();
            assertThat(vm.inspection().chainDepth()).isLessThanOrEqualTo(3);
        }
        Cli.Run again = Cli.run("recover", "--connect", uri, d.vm());
        assertThat(again.exit()).as(again.stderr()).isZero();
        assertThat(again.stdout()).contains("nothing to recover");
    }
}
