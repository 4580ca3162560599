package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bgreboot.FaultPoint;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.reboot.Journal;
import org.bgreboot.reboot.Step;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ctrl-C and SIGTERM sent to a real {@code bgreboot reboot} process, as a user's terminal or a
 * service manager would: before the switch's point of no return the reboot aborts (the clone
 * discarded, the VM untouched, one line, a non-zero exit), after it the switch is completed; a
 * second Ctrl-C stops waiting and says what to run. Each ends with one serving VM and nothing
 * acknowledged lost.
 */
@ExtendWith(KillStrayVms.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SignalIT {
    private static Path specFile;
    private static String name;
    private static EmbeddedVm vm;

    @BeforeAll
    static void startTheVm() {
        specFile = TestVms.writeDemoSpec("signal");
        name = TestVms.nameOf(specFile);
        vm = TestVms.vm(specFile);
        TestVms.lab().freshStart(vm);
    }

    @AfterAll
    static void stopTheVm() {
        if (vm == null) {
            return;
        }
        if (Journal.active(vm.stateDir()).isPresent()) {
            Cli.run("recover", name);
        }
        TestVms.lab().stop(vm);
        assertThat(TestVms.qemuPids(vm)).isEmpty();
    }

    @BeforeEach
    void theVmServes() {
        if (Journal.active(vm.stateDir()).isPresent()) {
            Cli.run("recover", name);
        }
        if (vm.running().isEmpty() || TestVms.qemuPids(vm).size() != 1) {
            TestVms.lab().freshStart(vm);
        }
        Http.identity(vm.spec());
    }

    @Test
    @Order(1)
    void ctrlCWhileTheCloneBootsAbortsAndTheVmKeepsServing() throws Exception {
        interruptBeforeTheSwitch("INT", 130, Map.of(), () -> FaultIT.awaitJournalStep(vm, Step.AWAIT_READY));
    }

    @Test
    @Order(4)
    void ctrlCPastThePointOfNoReturnCompletesTheSwitch() throws Exception {
        FaultIT.Before before = FaultIT.Before.of(vm);
        Path log = Files.createTempFile(TestVms.home().home(), "signal-", ".log");
        FaultIT.Seen seen;
        Process p;
        try (FaultIT.Workload w = FaultIT.Workload.start(vm)) {
            p = FaultIT.startCli(Map.of(FaultPoint.PAUSE_ENV, "after:stop_fg"), log, "reboot", name);
            awaitLine(log, "paused at after:stop_fg");
            signal(p, "INT");
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            seen = w.finish();
        }
        String out = Files.readString(log);
        System.out.println(out);
        seen.print("Ctrl-C past the point of no return");
        assertThat(p.exitValue()).as("the switch was completed").isZero();
        assertThat(out).contains("completing it first").contains("the switch was completed");
        assertThat(Journal.active(vm.stateDir())).isEmpty();
        seen.assertNothingLost();
        before.assertReplacedByTheUpdate(vm, seen);
        FaultIT.assertOneServingVm(vm);
        FaultIT.assertNothingLeftToRecover(Map.of(), name);
    }

    @Test
    @Order(5)
    void aSecondCtrlCStopsWaitingAndSaysWhatToRun() throws Exception {
        Path log = Files.createTempFile(TestVms.home().home(), "signal-", ".log");
        FaultIT.Seen seen;
        Process p;
        try (FaultIT.Workload w = FaultIT.Workload.start(vm)) {
            p = FaultIT.startCli(Map.of(FaultPoint.PAUSE_ENV, "after:release"), log, "reboot", name);
            awaitLine(log, "paused at after:release");
            signal(p, "INT");
            signal(p, "INT");
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            String out = Files.readString(log);
            System.out.println(out);
            assertThat(p.exitValue()).isEqualTo(130);
            assertThat(out).contains("again: stopping now").contains("bgreboot recover " + name);
            Cli.Run recovered = Cli.run("recover", name);
            assertThat(recovered.exit()).as(recovered.stderr()).isEqualTo(3); // the reboot's outcome: aborted (rolled back)
            seen = w.finish();
        }
        seen.print("two Ctrl-C");
        seen.assertNothingLost();
        FaultIT.assertOneServingVm(vm);
        FaultIT.assertNothingLeftToRecover(Map.of(), name);
    }

    private void interruptBeforeTheSwitch(String signal, int exit, Map<String, String> env, Runnable awaitPoint) throws Exception {
        interruptBeforeTheSwitch(signal, exit, env, Files.createTempFile(TestVms.home().home(), "signal-", ".log"), awaitPoint);
    }

    private void interruptBeforeTheSwitch(String signal, int exit, Map<String, String> env, Path log, Runnable awaitPoint) throws Exception {
        FaultIT.Before before = FaultIT.Before.of(vm);
        FaultIT.Seen seen;
        Process p;
        try (FaultIT.Workload w = FaultIT.Workload.start(vm)) {
            p = FaultIT.startCli(env, log, "reboot", name);
            awaitPoint.run();
            signal(p, signal);
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            seen = w.finish();
        }
        String out = Files.readString(log);
        System.out.println(out);
        seen.print("SIG" + signal + " before the switch");
        assertThat(p.exitValue()).isEqualTo(exit);
        List<String> errors = out.lines().filter(l -> l.startsWith("bgreboot: ") && !l.contains("SIG" + signal + ":")
                && !l.contains("paused at")).toList();
        assertThat(errors).as("one line says what happened").hasSize(1);
        assertThat(errors.get(0)).contains("aborted").contains("stopped by SIG" + signal);
        assertThat(out).doesNotContain("Exception");
        assertThat(Journal.active(vm.stateDir())).as("the abort closed the journal").isEmpty();
        seen.assertNothingLost();
        if (env.containsKey(FaultPoint.PAUSE_ENV)) {
            before.assertServingAgain(vm); // the switch had begun: the clone had the network for a moment
        } else {
            before.assertUntouched(vm, seen);
        }
        FaultIT.assertOneServingVm(vm);
        FaultIT.assertNothingLeftToRecover(Map.of(), name);
    }

    private static void signal(Process p, String signal) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).inheritIO().start().waitFor()).isZero();
    }

    private static void awaitLine(Path log, String text) {
        TestVms.await("'" + text + "' in " + log, Duration.ofMinutes(3), () -> {
            try {
                return Files.readString(log).contains(text);
            } catch (IOException e) {
                return false;
            }
        });
    }
}
