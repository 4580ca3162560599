package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bgreboot.Home;
import org.bgreboot.jsonwire.WireException;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.experiment.Lab;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.measure.AppendWriter;
import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.LedgerCheck;
import org.bgreboot.measure.LedgerCheckResult;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.Prober;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.WriteLog;
import org.bgreboot.FaultPoint;
import org.bgreboot.reboot.Journal;
import org.bgreboot.reboot.Step;
import org.bgreboot.engine.embedded.Liveness;
import org.bgreboot.engine.embedded.QemuProcess;
import org.bgreboot.engine.embedded.RuntimeDir;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.state.VmState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Faults against a real demo VM with a writer and a prober running across the fault and the
 * recovery: bgreboot killed at every named point, a real SIGKILL, BG's or FG's QEMU killed while the
 * clone boots, the guest agent not answering, a panicking update kernel, a readiness check that
 * never passes, the state directory's disk full. After each: exactly one VM serves, exactly one
 * process has the persistent disk open (never two at once), every acknowledged write is in the
 * ledger, nothing is left over, the journal is closed, and a second recover finds nothing to do.
 *
 * <p>One VM serves every fault that leaves it serving (a boot costs 5-10 s under TCG); each test
 * starts by making sure it serves, so one failure does not take the others with it.
 */
@ExtendWith(KillStrayVms.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultIT {
    private static final Duration CLI_TIMEOUT = Duration.ofMinutes(10);
    private static Path specFile;
    private static String specText;
    private static String name;
    private static EmbeddedVm vm;

    @BeforeAll
    static void startTheVm() throws IOException {
        specFile = TestVms.writeDemoSpec("fault");
        specText = Files.readString(specFile);
        name = TestVms.nameOf(specFile);
        vm = TestVms.vm(specFile);
        TestVms.lab().freshStart(vm);
    }

    @AfterAll
    static void stopTheVm() {
        if (vm == null) {
            return;
        }
        TestVms.rewrite(specFile, s -> specText);
        if (Journal.active(vm.stateDir()).isPresent()) {
            Cli.run("recover", name);
        }
        TestVms.lab().stop(vm);
        assertThat(TestVms.qemuPids(vm)).as("QEMU processes of " + name + " after the tests").isEmpty();
        assertThat(vm.inspection().leftovers()).isEmpty();
    }

    /** Every fault starts from one serving VM and the spec as written. */
    @BeforeEach
    void theVmServes() {
        TestVms.rewrite(specFile, s -> specText);
        if (Journal.active(vm.stateDir()).isPresent()) {
            System.out.println("an earlier test left an unfinished reboot: recovering first");
            Cli.run("recover", name);
        }
        if (vm.running().isEmpty() || TestVms.qemuPids(vm).size() != 1) {
            System.out.println("an earlier test left " + name + " not serving: starting it fresh");
            TestVms.lab().freshStart(vm);
        }
        Http.identity(vm.spec());
    }

    /**
     * A whole-host crash in the switch: bgreboot and both QEMUs SIGKILLed at one moment, FG's disk
     * released but FG not yet killed; one recover rolls back and boots the VM from its own disks,
     * with every acknowledged write (see {@link HostCrash}; {@link HostCrashIT} has the whole table).
     */
    @Test
    @Order(14)
    void aWholeHostCrashInTheSwitchIsRecoveredToOneServingVmWithNothingLost() throws Exception {
        HostCrash.trial(new HostCrash.Embedded(vm, name), "after:release");
    }

    // ---- after the point of no return, a failure still ends with a serving VM --------------------

    /**
     * QEMU itself refusing the disk's swap past the point of no return. Every other step that fails
     * there (the attach hook, the clone dying, a disk it cannot take) ends the same way on the engine
     * in memory (reboot/MemoryPastThePointTest), in seconds.
     */
    @Test
    @Order(8)
    void aSwapThatQemuRefusesEndsWithTheUpdatedDisksColdBooted() {
        rebootEndsWithTheUpdatedDisksColdBooted(Map.of(FaultPoint.ENV, "fail:swap:file-node"), "swap refused", "plug_disk");
    }

    private void rebootEndsWithTheUpdatedDisksColdBooted(Map<String, String> env, String what, String failedStep) {
        Before before = Before.of(vm);
        Seen seen;
        Cli.Run run;
        Path json = TestVms.home().home().resolve("coldboot-" + failedStep + ".json");
        try (Workload w = Workload.start(vm)) {
            run = Cli.run(env, "reboot", name, "--measure", "--json", json.toString());
            seen = w.finish();
        }
        seen.print(what);
        assertThat(run.exit()).as("the VM serves the update, by a cold boot, and says so: " + run.stderr()).isEqualTo(4);
        assertThat(run.stderr()).contains("the switch failed at " + failedStep).contains("updated disks were booted");
        JsonNode j = readJson(json);
        assertThat(j.path("outcome").asText()).isEqualTo("cold_booted");
        assertThat(j.path("failed_step").asText()).isEqualTo(failedStep);
        assertThat(j.path("downtime_ms").asDouble()).as("a cold boot's downtime is a boot's, measured and reported").isGreaterThan(1000);
        assertThat(j.path("acked_writes_lost").asInt()).isZero();
        int generation = j.path("generation").asInt();
        assertThat(Cli.run("vm", "status", name).stdout()).as("vm status agrees on the generation that serves")
                .containsPattern("generation\\s+" + generation + "\\b");
        assertThat(vm.stateDir().readState().orElseThrow().generation()).isEqualTo(generation);
        seen.assertNothingLost();
        before.assertReplacedByTheUpdate(vm, seen);
        assertOneServingVm(vm);
        assertNothingLeftToRecover(Map.of(), name);
    }

    static JsonNode readJson(Path file) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- status and stop tell the truth; an edited spec does not hurt a running VM ----------------

    @Test
    @Order(9)
    void statusAndStopTellTheTruthWhileAKilledRebootLeftACloneRunning() {
        Before before = Before.of(vm);
        Cli.Run killed = Cli.run(Map.of(FaultPoint.ENV, "after:await_ready"), "reboot", name);
        assertThat(killed.exit()).isEqualTo(137);
        assertThat(TestVms.qemuPids(vm)).as("the VM and its clone run").hasSize(2);

        Cli.Run status = Cli.run("vm", "status", name);
        assertThat(status.exit()).as("the VM serves").isZero();
        assertThat(status.stdout()).contains("state         running").contains("also running")
                .contains("unfinished").contains("bgreboot recover " + name);

        Cli.Run stop = Cli.run("vm", "stop", name);
        expectOneLineRefusal(stop, "unfinished reboot");
        assertThat(stop.error()).contains("bgreboot recover " + name);
        assertThat(TestVms.qemuPids(vm)).as("a refused stop stops nothing").hasSize(2);

        Cli.Run recovered = Cli.run("recover", name);
        assertThat(recovered.exit()).as(recovered.stderr()).isEqualTo(3); // the reboot's outcome: aborted (rolled back)
        assertThat(vm.running().map(QemuProcess::pid)).contains(before.pid());
        assertOneServingVm(vm);
        assertThat(Cli.run("vm", "status", name).stdout()).doesNotContain("also running").doesNotContain("unfinished");
    }

    @Test
    @Order(10)
    void aPersistentDiskChangedInTheSpecOfARunningVmIsReportedAndNotTaken() throws IOException {
        Path other = vm.spec().persistentDisk().path().resolveSibling("other.img");
        Files.copy(TestVms.demoImage().persistentDisk(), other, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TestVms.rewrite(specFile, s -> s.replace(vm.spec().persistentDisk().path().toString(), other.toString()));
        Before before = Before.of(vm);
        Cli.Run status = Cli.run("vm", "status", name);
        assertThat(status.stdout()).contains("spec differs").contains("persistent disk").contains(other.toString());
        Cli.Run reboot = Cli.run("reboot", name);
        expectOneLineRefusal(reboot, "runs with the persistent disk " + vm.spec().persistentDisk().path());
        assertThat(reboot.error()).contains("--take-persistent-disk");
        assertThat(vm.running().map(QemuProcess::pid)).contains(before.pid());
        assertThat(Http.identity(vm.spec()).path("boot_id").asText()).isEqualTo(before.bootId());
        assertThat(Journal.active(vm.stateDir())).isEmpty();
    }

    @Test
    @Order(11)
    void aSpecBrokenWhileTheVmRunsStillLetsItBeInspectedAndStopped() {
        TestVms.rewrite(specFile, s -> s.replace("cpus = 1", "cpus = 0"));
        Cli.Run status = Cli.run("vm", "status", name);
        assertThat(status.exit()).as(status.stderr()).isZero();
        assertThat(status.stdout()).contains("state         running");
        assertThat(status.stderr()).contains("does not load").contains("cpus = 0");
        Cli.Run stop = Cli.run("vm", "stop", name);
        assertThat(stop.exit()).as(stop.stderr()).isZero();
        assertThat(TestVms.qemuPids(vm)).isEmpty();
        expectOneLineRefusal(Cli.run("vm", "start", name), "cpus = 0");
    }

    @Test
    @Order(13)
    void concurrentStatusAndRecoverCommandsDoNotCollide() throws Exception {
        List<CompletableFuture<Cli.Run>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> Cli.run("vm", "status", name)));
        }
        for (int i = 0; i < 2; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> Cli.run("recover", name)));
        }
        for (CompletableFuture<Cli.Run> f : runs) {
            Cli.Run r = f.get(5, TimeUnit.MINUTES);
            assertThat(r.stderr()).doesNotContain("cannot write").doesNotContain("Exception");
            assertThat(r.exit() == 0 || r.error().contains("is busy")).as(r.stderr()).isTrue();
        }
        assertOneServingVm(vm);
    }

    // ---- bgreboot dies --------------------------------------------------------------------------

    /**
     * Where a new process must find real QEMU processes again: a rollback (the clone running and
     * holding the network, FG's disk frozen), a completion with FG gone and the disk half swapped
     * (QEMU's file node added, not yet reopened). The flow's every other fault point, these
     * included, is killed and recovered on the engine in memory (reboot/MemoryCrashTest), in
     * seconds; the four dropped from here to keep the suite in its budget (after:launch_clone,
     * after:stop_fg, swap:reopened, after:attach) each reached a state one of these reaches with
     * less or more done, and passed on every run before.
     */
    @ParameterizedTest(name = "bgreboot killed at {0} (recovery {1})")
    @CsvSource({
        "after:release,      rolls back",
        "swap:file-node,     completes"})
    @Order(1)
    void bgrebootKilledAtAPointIsRecoveredToOneServingVm(String point, String recovery) {
        boolean forward = recovery.equals("completes");
        Before before = Before.of(vm);
        Seen seen;
        try (Workload w = Workload.start(vm)) {
            Cli.Run killed = Cli.run(Map.of(FaultPoint.ENV, point), "reboot", name);
            assertThat(killed.exit()).as("bgreboot died at " + point).isEqualTo(137);
            assertThat(killed.stderr()).contains("fault injected at " + point);
            assertThat(Journal.active(vm.stateDir())).as("the journal keeps the unfinished reboot").isPresent();
            assertThat(TestVms.processesWithOpen(vm.spec().persistentDisk().path())).as("persistent disk holders before recovery").hasSizeLessThanOrEqualTo(1);

            Cli.Run refused = Cli.run("reboot", name);
            expectOneLineRefusal(refused, "unfinished reboot");
            assertThat(refused.error()).contains("bgreboot recover " + name);

            Cli.Run recovered = Cli.run("recover", name);
            assertThat(recovered.exit()).as(recovered.stderr()).isEqualTo(forward ? 0 : 3); // switched, or aborted (rolled back)
            assertThat(recovered.stdout()).contains(forward ? "completed the switch" : "rolled back");
            seen = w.finish();
        }
        seen.print(point);
        seen.assertNothingLost();
        if (forward) {
            before.assertReplacedByTheUpdate(vm, seen);
        } else if (point.equals("after:take_network") || point.equals("after:release")) {
            // the clone had the network (it answered reads, writes failed fast without the disk): FG has it back
            before.assertServingAgain(vm);
        } else {
            before.assertUntouched(vm, seen);
        }
        assertOneServingVm(vm);
        assertNothingLeftToRecover(Map.of(), name);
    }

    // ---- a QEMU process dies ----------------------------------------------------------------------

    @Test
    @Order(3)
    void theClonesQemuKilledWhileItBootsAbortsTheRebootByItself() throws Exception {
        Before before = Before.of(vm);
        RuntimeDir clone = vm.runtime(before.generation() + 1);
        Seen seen;
        Cli.Run run;
        try (Workload w = Workload.start(vm)) {
            CompletableFuture<Cli.Run> reboot = CompletableFuture.supplyAsync(() -> Cli.run("reboot", name));
            awaitJournalStep(vm, Step.AWAIT_READY);
            long bgPid = Long.parseLong(Files.readString(clone.pidFile()).strip());
            assertThat(Liveness.cmdline(bgPid)).contains(clone.qmpSocket().toString());
            System.out.println("killing the clone's QEMU " + bgPid + " while it boots");
            ProcessHandle.of(bgPid).ifPresent(ProcessHandle::destroyForcibly);
            run = reboot.get(CLI_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
            seen = w.finish();
        }
        seen.print("clone's QEMU killed while it boots");
        assertThat(run.exit()).as("an aborted reboot exits 3").isEqualTo(3);
        assertThat(run.stdout()).contains("outcome").contains("aborted: ").contains("did not become ready").contains("exited");
        seen.assertNothingLost();
        before.assertUntouched(vm, seen);
        assertOneServingVm(vm);
        assertNothingLeftToRecover(Map.of(), name);
    }

    // ---- the guest misbehaves -----------------------------------------------------------------

    // ---- the host's disk is full ----------------------------------------------------------------

    /**
     * The VM's home on a small tmpfs (the persistent disk stays on the real disk). Full before a
     * reboot: refused at once. Filled while the clone boots: the reboot ends (aborts) and FG keeps
     * serving; once space is freed, recover leaves exactly one serving VM.
     */
    @Test
    @Order(8)
    void aFullStateDiskRefusesOrAbortsAndRecoverLeavesOneServingVm() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Path mnt = TestVms.home().home().resolve("full-home");
        Files.createDirectories(mnt);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=320m,mode=0700", "tmpfs", mnt.toString()) == 0, "cannot mount a tmpfs here");
        Home full = new Home(mnt, TestVms.home().cache(), TestVms.REPO);
        Map<String, String> env = Map.of("BGREBOOT_HOME", mnt.toString());
        Path spec = TestVms.writeDemoSpec("full");
        TestVms.rewrite(spec, s -> s.replace("timeout = \"10m\"", "timeout = \"30s\""));
        String fullName = TestVms.nameOf(spec);
        EmbeddedVm fvm = TestVms.vm(spec, full);
        Path filler = mnt.resolve("filler");
        try {
            Cli.Run start = Cli.run(env, "vm", "start", spec.toString());
            assertThat(start.exit()).as(start.stderr()).isZero();
            Before before = Before.of(fvm);
            List<Path> disks = list(fvm.stateDir().disks());
            Seen seen;
            try (Workload w = Workload.start(fvm)) {
                fill(filler, 100 * 1024);
                Cli.Run refused = Cli.run(env, "reboot", fullName);
                expectOneLineRefusal(refused, "MiB free under " + fvm.stateDir().path());
                assertThat(Journal.active(fvm.stateDir())).isEmpty();
                assertThat(list(fvm.stateDir().disks())).isEqualTo(disks);
                Files.delete(filler);

                CompletableFuture<Cli.Run> reboot = CompletableFuture.supplyAsync(() -> Cli.run(env, "reboot", fullName));
                awaitJournalStep(fvm, Step.AWAIT_READY);
                fill(filler, 0);
                System.out.println("state disk full while the clone boots: " + Files.getFileStore(mnt).getUsableSpace() + " bytes free");
                Cli.Run aborted = reboot.get(CLI_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
                assertThat(aborted.exit()).as("a reboot on a full disk aborts: exit 3").isEqualTo(3);
                assertThat(aborted.stdout()).contains("outcome").contains("aborted: ");
                Files.delete(filler);

                Cli.Run recovered = Cli.run(env, "recover", fullName);
                if (recovered.stderr().contains("nothing to recover")) {
                    assertThat(recovered.exit()).as("the abort finished its rollback itself: " + recovered.stderr()).isZero();
                } else {
                    assertThat(recovered.exit()).as("recover finished the rollback: the reboot's outcome, aborted\n" + recovered.stderr()).isEqualTo(3);
                }
                seen = w.finish();
            }
            seen.print("state disk full");
            seen.assertNothingLost();
            before.assertUntouched(fvm, seen);
            assertOneServingVm(fvm);
            assertNothingLeftToRecover(env, fullName);
        } finally {
            Files.deleteIfExists(filler);
            try {
                TestVms.lab().stop(fvm);
            } catch (RuntimeException e) {
                System.out.println("could not stop " + fullName + ": " + e.getMessage());
            }
            for (long pid : TestVms.qemuPids(fvm)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            TestVms.await("QEMU of " + fullName + " gone", Duration.ofSeconds(30), () -> TestVms.qemuPids(fvm).isEmpty());
            if (run("umount", mnt.toString()) != 0) {
                run("umount", "-l", mnt.toString());
            }
        }
    }

    // ---- a killed QEMU is dead only when its locks are gone --------------------------------------

    /**
     * After {@link QemuProcess#kill} returns, the killed QEMU must hold no lock on its images: the
     * abort and recovery commit FG's scratch overlay into a base the clone had open right after
     * killing it, and the commit needs that base's write lock. A multi-threaded process's main
     * thread turns zombie before its other threads have exited and closed the files they share.
     */
    @Test
    @Order(9)
    void aKilledQemuHoldsNoImageLockOnceItCountsAsDead() throws Exception {
        Path dir = Files.createTempDirectory(TestVms.home().home(), "kill-");
        Path overlay = dir.resolve("k.qcow2");
        org.bgreboot.engine.embedded.QemuImg.createOverlay(overlay, vm.spec().systemDisks().get(0));
        long inode = ((Number) Files.getAttribute(overlay, "unix:ino")).longValue();
        RuntimeDir runtime = new RuntimeDir(dir);
        var boot = vm.spec().update().orElseThrow().boot().orElseThrow();
        int held = 0;
        int tries = 8;
        for (int i = 0; i < tries; i++) {
            // like a clone killed while it boots: the update kernel running, guest memory in use
            Process launch = new ProcessBuilder(org.bgreboot.engine.embedded.EmbeddedEngine.qemuBinary().toString(), "-machine", "q35", "-accel", "tcg",
                    "-m", "512", "-nodefaults", "-display", "none", "-daemonize", "-pidfile", runtime.pidFile().toString(),
                    "-blockdev", "driver=file,filename=" + overlay + ",node-name=f", "-blockdev", "driver=qcow2,file=f,node-name=s",
                    "-device", "virtio-blk-pci,drive=s", "-kernel", boot.kernel().toString(), "-initrd", boot.initrd().toString(),
                    "-append", boot.cmdline()).inheritIO().start();
            assertThat(launch.waitFor(60, TimeUnit.SECONDS) && launch.exitValue() == 0).as("QEMU started").isTrue();
            long pid = Long.parseLong(Files.readString(runtime.pidFile()).strip());
            TestVms.await("QEMU's image locks", Duration.ofSeconds(30), () -> locksOn(inode) > 0);
            sleep(2000 + 300L * i);
            QemuProcess.kill(pid);
            int locks = locksOn(inode);
            System.out.println("kill " + i + ": QEMU " + pid + " counts as dead; locks on its image: " + locks);
            if (locks > 0) {
                held++;
                TestVms.await("the locks of the killed QEMU to go", Duration.ofSeconds(30), () -> locksOn(inode) == 0);
            }
        }
        assertThat(held).as("times (of " + tries + ") a QEMU that counted as dead still held its image's locks").isZero();
    }

    /** Locks on a file, from /proc/locks (whose device:inode field ends in the inode). */
    static int locksOn(long inode) {
        try {
            return (int) Files.readAllLines(Path.of("/proc/locks")).stream()
                    .map(l -> l.trim().split("\\s+"))
                    .filter(f -> f.length > 5 && f[5].endsWith(":" + inode)).count();
        } catch (IOException e) {
            return 0;
        }
    }

    // ---- what must hold after every fault ---------------------------------------------------------

    /**
     * Exactly one VM serves: its service answers through the forwarded port, one QEMU process of the
     * VM runs and it alone has the persistent disk open, no leftovers (processes, runtime
     * directories, disk files), no socket outside the serving runtime directory, no unfinished journal.
     */
    static void assertOneServingVm(EmbeddedVm vm) {
        assertThat(Journal.active(vm.stateDir())).as("unfinished journal").isEmpty();
        Optional<QemuProcess> serving = vm.running();
        assertThat(serving).as(vm.spec().name() + " runs").isPresent();
        try (QemuProcess p = serving.get()) {
            assertThat(TestVms.qemuPids(vm)).as("QEMU processes of " + vm.spec().name()).containsExactly(p.pid());
            assertThat(TestVms.processesWithOpen(vm.spec().persistentDisk().path())).as("processes with the persistent disk open")
                    .containsExactly(p.pid());
            assertThat(p.qmp().execute("query-status").path("status").asText()).isEqualTo("running");
            assertThat(vm.inspection().leftovers()).as("leftovers").isEmpty();
            Path serving0 = p.runtime().dir();
            assertThat(sockets(vm).stream().filter(s -> !s.startsWith(serving0)).toList()).as("sockets besides the serving QEMU's").isEmpty();
        }
        JsonNode id = Http.identity(vm.spec());
        assertThat(id.path("boot_id").asText()).isNotEmpty();
        assertThat(Http.get(vm.spec(), "ledger")).as("the ledger answers").isNotNull();
    }

    static void assertNothingLeftToRecover(Map<String, String> env, String name) {
        Cli.Run again = Cli.run(env, "recover", name);
        assertThat(again.exit()).as(again.stderr()).isZero();
        assertThat(again.stdout()).contains("nothing to recover");
    }

    /** A failure before anything changed: non-zero, one `bgreboot: ` line last, no stack trace. */
    static void expectOneLineRefusal(Cli.Run r, String text) {
        assertThat(r.exit()).as("exit status").isNotZero();
        assertThat(r.error()).startsWith("bgreboot: ").contains(text);
        assertThat(r.stderrLines().stream().filter(l -> l.startsWith("bgreboot: "))).as("error lines").hasSize(1);
        assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** The VM as a fault found it: after the fault it is either untouched or replaced by the update. */
    record Before(long pid, String bootId, int generation, String version, VmState state) {
        static Before of(EmbeddedVm vm) {
            JsonNode id = Http.identity(vm.spec());
            try (QemuProcess p = vm.running().orElseThrow()) {
                return new Before(p.pid(), id.path("boot_id").asText(), vm.stateDir().readState().orElseThrow().generation(),
                        id.path("version").asText(), vm.stateDir().readState().orElseThrow());
            }
        }

        /** Nothing happened to the VM: the same process, the same boot, the same state, served throughout. */
        void assertUntouched(EmbeddedVm vm, Seen seen) {
            assertThat(vm.running().map(QemuProcess::pid)).as("the same QEMU serves").contains(pid);
            assertThat(Http.identity(vm.spec()).path("boot_id").asText()).as("the same boot serves").isEqualTo(bootId);
            assertThat(vm.stateDir().readState().orElseThrow()).as("vm.json").isEqualTo(state);
            assertThat(seen.downtime().newBootSeen()).as("the prober saw no other boot").isFalse();
        }

        /** The same process and boot serve again, in the same state, after the clone had the network for a while (the switch had begun). */
        void assertServingAgain(EmbeddedVm vm) {
            assertThat(vm.running().map(QemuProcess::pid)).as("the same QEMU serves").contains(pid);
            assertThat(Http.identity(vm.spec()).path("boot_id").asText()).as("the same boot serves").isEqualTo(bootId);
            assertThat(vm.stateDir().readState().orElseThrow()).as("vm.json").isEqualTo(state);
        }

        /** The update took over: a new boot of the next generation answers v2. */
        void assertReplacedByTheUpdate(EmbeddedVm vm, Seen seen) {
            JsonNode id = Http.identity(vm.spec());
            assertThat(id.path("boot_id").asText()).as("a new boot serves").isNotEqualTo(bootId);
            assertThat(id.path("version").asText()).isEqualTo("v2");
            assertThat(id.path("kernel").asText()).isEqualTo(TestVms.demoImage().last().kernelRelease());
            assertThat(vm.stateDir().readState().orElseThrow().generation()).isGreaterThan(generation);
            assertThat(vm.running().map(QemuProcess::pid)).isNotEqualTo(Optional.of(pid));
            assertThat(seen.downtime().newBootSeen()).as("the prober saw the new boot").isTrue();
        }
    }

    /** What the writer, the prober and the open-file watch saw across a fault and its recovery. */
    record Seen(LedgerCheckResult ledger, DowntimeResult downtime, int maxOpen, int failedWrites) {
        void assertNothingLost() {
            assertThat(ledger.ackedCount()).as("writes acknowledged").isPositive();
            assertThat(ledger.missingAcked()).as("acknowledged writes lost").isEmpty();
            assertThat(maxOpen).as("QEMU processes with the persistent disk open at once").isLessThanOrEqualTo(1);
        }

        void print(String fault) {
            System.out.printf("FAULT %s: %d writes acknowledged, %d lost, %d refused/failed; downtime %.0f ms, longest probe gap %.0f ms; disk open in %d QEMU at most%n",
                    fault, ledger.ackedCount(), ledger.missingAcked().size(), failedWrites, downtime.downtimeMs(), downtime.maxGapMs(), maxOpen);
        }
    }

    /** A writer, a prober (every 10 ms) and an open-file watch on the persistent disk, across a fault. */
    static final class Workload implements AutoCloseable {
        private final URI uri;
        private final RunClock clock = RunClock.start();
        private final Prober prober;
        private final AppendWriter writer;
        private final OpenFileWatch watch;
        private final double faultMs;
        private boolean finished;

        private Workload(EmbeddedVm vm) {
            this.uri = MeasuredReboot.serviceUri(vm.spec());
            this.prober = new Prober(uri, Duration.ofMillis(10), Duration.ofSeconds(1), clock);
            this.writer = new AppendWriter(uri, clock);
            this.watch = new OpenFileWatch(vm.spec().persistentDisk().path());
            prober.start();
            writer.start();
            sleep(1000);
            this.faultMs = clock.nowMs();
        }

        static Workload start(EmbeddedVm vm) {
            return new Workload(vm);
        }

        /** Lets the service settle, stops, and reads the ledger back (waiting for it to answer). */
        Seen finish() {
            sleep(1500);
            finished = true;
            WriteLog writes = writer.stop();
            ProbeLog probes = prober.stop();
            stopWatch();
            String ledger = null;
            IOException last = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ledger == null && System.nanoTime() < deadline) {
                try {
                    ledger = LedgerCheck.fetch(uri, Duration.ofSeconds(10));
                } catch (IOException e) {
                    last = e;
                    sleep(500);
                }
            }
            if (ledger == null) {
                throw new AssertionError("the ledger cannot be read back from " + uri, last);
            }
            return new Seen(LedgerCheck.check(writes, ledger), Downtime.analyze(probes, faultMs), watch.maxSimultaneous(),
                    writes.failures().size());
        }

        private void stopWatch() {
            try {
                watch.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override public void close() {
            if (!finished) {
                writer.stop();
                prober.stop();
                stopWatch();
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Waits until the running reboot's journal has recorded {@code step}. */
    static void awaitJournalStep(EmbeddedVm vm, Step step) {
        TestVms.await("the journal to record " + step, Duration.ofMinutes(3), () -> {
            try {
                return Journal.active(vm.stateDir()).map(c -> c.entries().stream()
                        .anyMatch(e -> e.step() == step)).orElse(false);
            } catch (UncheckedIOException e) {
                return false;
            }
        });
    }

    /**
     * Stops qemu-ga in the guest (SIGSTOP: busybox init would restart a killed one) for {@code how
     * long}, then it resumes by itself; returns once the agent no longer answers.
     */
    static void stopGuestAgent(EmbeddedVm vm, Duration howLong) {
        try (QemuProcess p = vm.running().orElseThrow()) {
            String script = "p=$(pidof qemu-ga); (sleep 1; kill -STOP $p; sleep " + howLong.toSeconds()
                    + "; kill -CONT $p) </dev/null >/dev/null 2>&1 &";
            assertThat(p.agent().exec(List.of("/bin/sh", "-c", script), Duration.ofSeconds(30)).ok()).isTrue();
        }
        TestVms.await("the guest agent to stop answering", Duration.ofSeconds(30), () -> !agentAnswers(vm, Duration.ofSeconds(1)));
    }

    static void awaitGuestAgent(EmbeddedVm vm, Duration timeout) {
        TestVms.await("the guest agent to answer again", timeout, () -> agentAnswers(vm, Duration.ofSeconds(3)));
    }

    static boolean agentAnswers(EmbeddedVm vm, Duration timeout) {
        try (QemuProcess p = vm.running().orElseThrow(); GuestAgent a = GuestAgent.connect(p.runtime().agentSocket(), Duration.ofSeconds(5))) {
            a.sync(timeout);
            a.ping(timeout);
            return true;
        } catch (WireException e) {
            return false;
        }
    }

    /** Starts the packaged CLI without waiting, its output into {@code log} (for a real SIGKILL). */
    static Process startCli(Map<String, String> env, Path log, String... args) throws IOException {
        ProcessBuilder pb = Cli.builder(env, List.of(args)).redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    /** Fills the filesystem of {@code file} until only {@code leaveBytes} are free (0: until ENOSPC). */
    static void fill(Path file, long leaveBytes) throws IOException {
        ByteBuffer mib = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (true) {
                long free = Files.getFileStore(file).getUsableSpace() - leaveBytes;
                if (free <= 0) {
                    break;
                }
                mib.clear().limit((int) Math.min(mib.capacity(), free));
                try {
                    ch.write(mib);
                } catch (IOException e) {
                    break; // ENOSPC: full
                }
            }
            try {
                ch.force(true);
            } catch (IOException e) {
                // full: what was written is there
            }
        }
    }

    static List<Path> sockets(EmbeddedVm vm) {
        return org.bgreboot.experiment.soak.SoakSample.sockets(vm);
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    static int run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).inheritIO().start();
            return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
