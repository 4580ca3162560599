package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.bgreboot.reboot.Journal;
import org.bgreboot.engine.embedded.QemuImg;
import org.bgreboot.engine.embedded.QemuProcess;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.state.VmLock;
import org.bgreboot.state.VmState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bad-input catalogue, through the CLI as a user meets it. Every case gets one `bgreboot: `
 * line last on stderr (no stack trace) and a non-zero exit status, and leaves the running VM exactly
 * as it was: the same QEMU process, the same boot, the same state, disks and runtime directories,
 * no journal, its lock free. Most cases edit the running VM's own spec (a mistake made while it
 * runs) and ask for a reboot; the rest give a new spec to {@code vm start} or odd arguments.
 */
@ExtendWith(KillStrayVms.class)
class BadInputIT {
    private static Path specFile;
    private static String specText;
    private static String name;
    private static EmbeddedVm vm;
    private Baseline baseline;

    @BeforeAll
    static void startTheVm() throws IOException {
        specFile = TestVms.writeDemoSpec("bad");
        specText = Files.readString(specFile);
        name = TestVms.nameOf(specFile);
        vm = TestVms.vm(specFile);
        TestVms.lab().freshStart(vm);
    }

    @AfterAll
    static void stopTheVm() {
        if (vm != null) {
            TestVms.rewrite(specFile, s -> specText);
            TestVms.lab().stop(vm);
            assertThat(TestVms.qemuPids(vm)).isEmpty();
        }
    }

    @BeforeEach
    void takeBaseline() throws IOException {
        TestVms.rewrite(specFile, s -> specText);
        baseline = Baseline.of(vm);
    }

    @AfterEach
    void theRunningVmIsUntouched() throws IOException {
        TestVms.rewrite(specFile, s -> specText);
        baseline.assertUntouched(vm);
    }

    // ---- the running VM's spec edited badly, then a reboot asked for ----------------------------

    @Test
    void anUnknownKey() {
        refuseReboot(s -> s.replaceFirst("(?m)^cpus = 1$", "cpus = 1\ncolour = \"red\""), "unknown key 'colour'");
    }

    @Test
    void anUnknownKeyInATable() {
        refuseReboot(s -> s.replace("agent = true", "agent = true\ntimout = \"1m\""), "unknown key 'timout' in [ready]");
    }

    @Test
    void aSpecThatIsNotToml() {
        refuseReboot(s -> "name = \"" + name + "\nmemory = [[[\n", "is not valid TOML");
    }

    @Test
    void aValueOfTheWrongType() {
        refuseReboot(s -> s.replaceFirst("(?m)^cpus = 1$", "cpus = \"two\""), "'cpus' has the wrong type");
    }

    @Test
    void aNegativeMemorySize() {
        refuseReboot(s -> s.replaceFirst("(?m)^memory = \"[^\"]*\"", "memory = \"-512M\""), "memory");
    }

    @Test
    void aNegativeCpuCount() {
        refuseReboot(s -> s.replaceFirst("(?m)^cpus = 1$", "cpus = -2"), "cpus = -2 is impossible");
    }

    @Test
    void aFractionalCpuCount() {
        refuseReboot(s -> s.replaceFirst("(?m)^cpus = 1$", "cpus = 2.5"), "key 'cpus' has the wrong type");
    }

    @Test
    void aNegativeTimeout() {
        refuseReboot(s -> s.replace("timeout = \"10m\"", "timeout = \"-10s\""), "ready.timeout '-10s' is not a duration");
    }

    @Test
    void aNegativePort() {
        refuseReboot(s -> s.replaceFirst("host_port = \\d+", "host_port = -1"), "host_port = -1 is not a port");
    }

    @Test
    void aMissingSystemImage() {
        refuseReboot(s -> s.replaceFirst("(?m)^path = \"[^\"]*system.qcow2\"", "path = \"/nonexistent/system.qcow2\""),
                "/nonexistent/system.qcow2 does not exist");
    }

    @Test
    void aMissingPersistentDisk() {
        refuseReboot(s -> s.replace(vm.spec().persistentDisk().path().toString(), "/nonexistent/persist.img"),
                "persistent_disk.path /nonexistent/persist.img does not exist");
    }

    @Test
    void aMissingUpdateKernel() {
        String kernel = vm.spec().update().orElseThrow().boot().orElseThrow().kernel().toString();
        refuseReboot(s -> s.substring(0, s.lastIndexOf("[update]")) + s.substring(s.lastIndexOf("[update]")).replace(kernel, "/nonexistent/vmlinuz"),
                "update.kernel /nonexistent/vmlinuz does not exist");
    }

    @Test
    void aMissingBootInitrd() {
        String initrd = vm.spec().boot().orElseThrow().initrd().toString();
        refuseReboot(s -> s.replaceFirst("(?m)^initrd = \"" + java.util.regex.Pattern.quote(initrd) + "\"", "initrd = \"/nonexistent/initrd.img\""),
                "boot.initrd /nonexistent/initrd.img does not exist");
    }

    @Test
    void aPersistentDiskThatIsADirectory() {
        Path dir = vm.spec().persistentDisk().path().getParent();
        refuseReboot(s -> s.replace(vm.spec().persistentDisk().path().toString(), dir.toString()), "persistent_disk.path " + dir);
    }

    @Test
    void aPersistentDiskThatIsTheSystemDisk() {
        String system = vm.spec().systemDisks().get(0).toString();
        refuseReboot(s -> s.replace(vm.spec().persistentDisk().path().toString(), system), "persistent_disk.path is also a system disk");
    }

    // ---- hostile specs and names given to vm start ----------------------------------------------

    @ParameterizedTest(name = "name \"{0}\"")
    @ValueSource(strings = {"a/b", "..", "../escape", "my vm", "$(touch MARKER)", "`touch MARKER`", "x;touch MARKER", "Upper", ""})
    void aHostileVmNameIsRefusedAndRunsNothing(String hostile) throws IOException {
        Path marker = marker();
        String n = hostile.replace("MARKER", marker.toString());
        Path spec = TestVms.writeDemoSpec("hostile");
        String toml = "name = \"" + n.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        TestVms.rewrite(spec, s -> s.replaceFirst("(?m)^name = \"[^\"]*\"", java.util.regex.Matcher.quoteReplacement(toml)));
        List<Path> vmsBefore = list(TestVms.home().vms());
        Cli.Run r = Cli.run("vm", "start", spec.toString());
        FaultIT.expectOneLineRefusal(r, n.isEmpty() ? "name is missing" : "is not allowed");
        assertThat(marker).as("a shell ran the name").doesNotExist();
        assertThat(list(TestVms.home().vms())).as("state directories").isEqualTo(vmsBefore);
    }

    @ParameterizedTest(name = "VM argument \"{0}\"")
    @ValueSource(strings = {"$(touch MARKER)", "x;touch MARKER", "../../../etc/passwd", "..", "no-such-vm"})
    void aHostileVmArgumentIsRefusedAndRunsNothing(String hostile) throws IOException {
        Path marker = marker();
        String ref = hostile.replace("MARKER", marker.toString());
        List<Path> vmsBefore = list(TestVms.home().vms());
        Cli.Run r = Cli.run("reboot", ref);
        FaultIT.expectOneLineRefusal(r, "");
        assertThat(marker).as("a shell ran the argument").doesNotExist();
        assertThat(list(TestVms.home().vms())).as("state directories").isEqualTo(vmsBefore);
    }

    @Test
    void aNameWithANewlineIsRefusedOnOneLine() {
        Cli.Run r = Cli.run("vm", "status", "two\nlines");
        FaultIT.expectOneLineRefusal(r, "'two\\nlines' is neither");
    }

    @Test
    void aVmWhoseFirstStartIsRefusedIsNotListed() throws IOException {
        Path written = TestVms.writeDemoSpec("refused");
        String refused = TestVms.nameOf(written);
        // a spec of the user's own, elsewhere: a start registers it under its name, a refused one must not
        Path spec = TestVms.home().home().resolve("elsewhere").resolve(written.getFileName());
        Files.createDirectories(spec.getParent());
        Files.move(written, spec);
        TestVms.rewrite(spec, s -> s.replaceFirst("host_port = \\d+", "host_port = " + vm.spec().network().forwards().get(0).hostPort()));
        FaultIT.expectOneLineRefusal(Cli.run("vm", "start", spec.toString()), "is in use");
        assertThat(Cli.run("vm", "list").stdout()).doesNotContain(refused);
        assertThat(TestVms.home().vms().resolve(refused)).doesNotExist();
    }

    @Test
    void aSpecTakingTheNameOfTheRunningVm() {
        Path other = TestVms.home().home().resolve("impostor").resolve(name + ".toml");
        try {
            Files.createDirectories(other.getParent());
            Files.writeString(other, specText.replaceFirst("host_port = \\d+", "host_port = " + TestVms.freePort()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Cli.Run r = Cli.run("reboot", other.toString());
        FaultIT.expectOneLineRefusal(r, "a VM named '" + name + "' already exists");
    }

    @Test
    void aSystemDiskThatIsNotAnImage() throws IOException {
        Path fake = Files.createTempDirectory(TestVms.home().home(), "fake-").resolve("system.qcow2");
        Files.writeString(fake, "this is not a disk image\n");
        Path spec = TestVms.writeDemoSpec("notimage");
        TestVms.rewrite(spec, s -> s.replaceFirst("(?m)^path = \"[^\"]*system.qcow2\"", "path = \"" + fake + "\""));
        Cli.Run r = Cli.run("vm", "start", spec.toString());
        FaultIT.expectOneLineRefusal(r, "");
        EmbeddedVm notStarted = TestVms.vm(spec);
        assertThat(TestVms.qemuPids(notStarted)).isEmpty();
        assertThat(notStarted.inspection().leftovers()).isEmpty();
    }

    /**
     * bgreboot writes only under its home, and only files it made: a spec must not hand one of
     * bgreboot's own files (here another VM's system-disk overlay) to a guest as its read-write
     * persistent disk, where the guest would mount and write it.
     */
    @Test
    void aPersistentDiskInsideBgrebootsOwnState() throws IOException {
        Path victim = TestVms.home().vms().resolve("victim-" + UUID.randomUUID().toString().substring(0, 8)).resolve("disks").resolve("sys0-g0.qcow2");
        Files.createDirectories(victim.getParent());
        QemuImg.createOverlay(victim, vm.spec().systemDisks().get(0));
        byte[] before = Files.readAllBytes(victim);
        Path spec = TestVms.writeDemoSpec("grabber");
        TestVms.rewrite(spec, s -> s.replace(TestVms.home().home().resolve("data").resolve(TestVms.nameOf(spec)).resolve("persist.img").toString(), victim.toString())
                .replace("format = \"raw\"", "format = \"qcow2\""));
        EmbeddedVm grabber = TestVms.vm(spec);
        try {
            Cli.Run r = Cli.run("vm", "start", spec.toString());
            FaultIT.expectOneLineRefusal(r, "persistent_disk.path");
        } finally {
            if (grabber.running().isPresent()) {
                TestVms.lab().stop(grabber);
            }
        }
        assertThat(Files.readAllBytes(victim)).as("the other VM's overlay was not written").isEqualTo(before);
    }

    /**
     * A home so deep that the VM's socket paths exceed what a UNIX socket address holds (107 bytes):
     * QEMU cannot start, and the one line should say why rather than "no message".
     */
    @Test
    void aHomeTooDeepForSocketPaths() throws IOException {
        Path deep = TestVms.home().home().resolve("deep-" + "d".repeat(60)).resolve("e".repeat(40));
        Files.createDirectories(deep);
        Path spec = TestVms.writeDemoSpec("deep");
        EmbeddedVm deepVm = TestVms.vm(spec, new org.bgreboot.Home(deep, TestVms.home().cache(), TestVms.REPO));
        try {
            Cli.Run r = Cli.run(Map.of("BGREBOOT_HOME", deep.toString()), "vm", "start", spec.toString());
            FaultIT.expectOneLineRefusal(r, "");
            assertThat(r.error()).as("the reason is named").containsAnyOf("socket", "too long");
        } finally {
            TestVms.qemuPids(deepVm).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    // ---- the reboot command itself ---------------------------------------------------------------

    @Test
    void anUpdateKernelFileThatIsMissing() {
        FaultIT.expectOneLineRefusal(Cli.run("reboot", name, "--kernel", "/nonexistent/vmlinuz"), "/nonexistent/vmlinuz does not exist");
    }

    @Test
    void anInitrdWithoutAKernel() {
        FaultIT.expectOneLineRefusal(Cli.run("reboot", name, "--initrd", vm.spec().boot().orElseThrow().initrd().toString()), "--initrd needs --kernel");
    }

    @Test
    void anUnknownOption() {
        FaultIT.expectOneLineRefusal(Cli.run("reboot", name, "--frobnicate"), "Unknown option");
    }

    @Test
    void anUnknownSwitchMode() {
        FaultIT.expectOneLineRefusal(Cli.run("reboot", name, "--switch", "sideways"), "--switch sideways is unknown");
    }

    @Test
    void aRebootOfAVmThatIsNotRunning() {
        Path spec = TestVms.writeDemoSpec("stopped");
        FaultIT.expectOneLineRefusal(Cli.run("reboot", spec.toString()), "is not running");
    }

    /**
     * An update kernel that exists but is no kernel: the clone cannot start, the reboot aborts and
     * the VM keeps serving. It fails (exit 1) and says why on its last stderr line.
     */
    @Test
    void anUpdateKernelFileThatIsNotAKernel() throws IOException {
        Path notAKernel = Files.createTempFile(TestVms.home().home(), "vmlinuz-", "");
        Files.writeString(notAKernel, "not a kernel\n");
        baseline = baseline.ignoringJournalHistory();
        Cli.Run r = Cli.run("reboot", name, "--kernel", notAKernel.toString());
        assertThat(r.stdout()).contains("outcome").contains("aborted: ");
        FaultIT.expectOneLineRefusal(r, "");
        assertThat(r.exit()).isEqualTo(3);
    }

    @Test
    void twoRebootsOfTheSameVmAtOnce() throws Exception {
        CompletableFuture<Cli.Run> first = CompletableFuture.supplyAsync(() -> Cli.run("reboot", name));
        FaultIT.awaitJournalStep(vm, org.bgreboot.reboot.Step.CUT);
        Cli.Run second = Cli.run("reboot", name);
        Cli.Run done = first.get(10, TimeUnit.MINUTES);
        FaultIT.expectOneLineRefusal(second, "VM " + name + " is busy: 'reboot of " + name + "' (pid ");
        assertThat(second.error()).containsPattern("\\(pid \\d+\\) holds its lock");
        assertThat(done.exit()).as("the first reboot, undisturbed by the second").isZero();
        FaultIT.assertOneServingVm(vm);
        assertThat(Http.identity(vm.spec()).path("version").asText()).isEqualTo("v2");
        baseline = Baseline.of(vm); // the first reboot changed the VM, as it should
    }

    @Test
    void aVmWhoseGuestAgentDoesNotAnswer() {
        FaultIT.stopGuestAgent(vm, Duration.ofSeconds(15));
        try {
            Cli.Run r = Cli.run("reboot", name);
            FaultIT.expectOneLineRefusal(r, "its guest agent does not answer");
            assertThat(r.error()).contains("qemu-ga");
        } finally {
            FaultIT.awaitGuestAgent(vm, Duration.ofSeconds(120));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Edits the running VM's spec, asks for a reboot, expects a one-line refusal. */
    private void refuseReboot(UnaryOperator<String> edit, String text) {
        TestVms.rewrite(specFile, edit);
        FaultIT.expectOneLineRefusal(Cli.run("reboot", name), text);
    }

    private static Path marker() {
        return Path.of("/tmp/bgreboot-pwned-" + UUID.randomUUID());
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** The running VM as it was before a case. */
    record Baseline(long pid, String bootId, VmState state, List<Path> disks, List<Path> runtimes, List<Path> journal, boolean withJournal) {
        static Baseline of(EmbeddedVm vm) throws IOException {
            try (QemuProcess p = vm.running().orElseThrow()) {
                return new Baseline(p.pid(), Http.identity(vm.spec()).path("boot_id").asText(), vm.stateDir().readState().orElseThrow(),
                        list(vm.stateDir().disks()), list(vm.stateDir().path().resolve("run")), list(vm.stateDir().journal()), true);
            }
        }

        Baseline ignoringJournalHistory() {
            return new Baseline(pid, bootId, state, disks, runtimes, journal, false);
        }

        void assertUntouched(EmbeddedVm vm) throws IOException {
            assertThat(vm.running().map(QemuProcess::pid)).as("the same QEMU serves").contains(pid);
            assertThat(Http.identity(vm.spec()).path("boot_id").asText()).as("the same boot serves").isEqualTo(bootId);
            assertThat(vm.stateDir().readState().orElseThrow()).as("vm.json").isEqualTo(state);
            assertThat(list(vm.stateDir().disks())).as("disk files").isEqualTo(disks);
            assertThat(list(vm.stateDir().path().resolve("run"))).as("runtime directories").isEqualTo(runtimes);
            if (withJournal) {
                assertThat(list(vm.stateDir().journal())).as("journal files").isEqualTo(journal);
            }
            assertThat(Journal.active(vm.stateDir())).isEmpty();
            assertThat(vm.inspection().leftovers()).isEmpty();
            assertThat(TestVms.qemuPids(vm)).containsExactly(pid);
            try (VmLock lock = VmLock.acquire(vm.stateDir(), "test: is the lock free?")) {
                assertThat(lock).isNotNull();
            }
        }
    }
}
