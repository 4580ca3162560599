package org.bgreboot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.memory.Faults;
import org.bgreboot.engine.memory.MemorySpecs;
import org.bgreboot.engine.memory.MemoryVm;
import org.bgreboot.engine.memory.ShmTempDir;
import org.bgreboot.engine.memory.World;
import org.bgreboot.measure.RunClock;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.reboot.Cancel;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootListener;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Reboots;
import org.bgreboot.reboot.Step;
import org.bgreboot.state.StateDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;

/**
 * A real signal, raised in this JVM while a reboot on the engine in memory waits for its clone,
 * through the handler {@code bgreboot reboot} installs: the reboot aborts, FG serves as it was, and
 * the outcome maps to the shell's exit status for that signal.
 */
class SignalsMemoryTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @ParameterizedTest(name = "{0} while the clone boots")
    @CsvSource({"TERM, SIGTERM, 143", "INT, SIGINT, 130"})
    void aSignalWhileTheCloneBootsAbortsWithTheShellsExitStatus(String signal, String name, int exit) throws Exception {
        World world = new World();
        try (Faults faults = Faults.install()) {
            var spec = MemorySpecs.withReadyTimeout(MemorySpecs.spec(dir, "web"), java.time.Duration.ofSeconds(50));
            world.register(spec, "h1");
            StateDir state = new StateDir(dir.resolve("vms").resolve("web"));
            MemoryVm vm = world.engine("h1", world.process()).vm(spec, state);
            try (Instance i = vm.start(org.bgreboot.Progress.SILENT)) {
                VmBoot.await(vm, i, org.bgreboot.Progress.SILENT);
            }
            World.Fg before = world.snapshot("web");
            world.script("web").bootMs = 60_000; // the signal comes while readiness waits for a clone that takes a minute
            Cancel cancel = new Cancel();
            List<String> lines = Collections.synchronizedList(new ArrayList<>());
            RebootListener raise = new RebootListener() {
                @Override public void step(Step s, double atMs) {
                    if (s == Step.AWAIT_READY) {
                        Signal.raise(new Signal(signal));
                    }
                }
            };
            RebootResult r;
            long start = System.nanoTime();
            try (Signals handler = Signals.duringReboot(cancel, "web")) {
                r = Reboots.run(vm, RebootOptions.background(RunClock.start()).with(cancel).with(raise), lines::add);
            }
            // well before the clone's minute and the readiness timeout (50 s): the signal ended the wait (generous for a
            // busy host, where the first run in a JVM loading every class took 5 s)
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms until the abort").isLessThan(25_000);
            assertThat(cancel.requested()).contains(name);
            assertThat(r.outcome()).isInstanceOf(Outcome.Aborted.class);
            assertThat(((Outcome.Aborted) r.outcome()).signal()).contains(name);
            assertThat(((Outcome.Aborted) r.outcome()).reason()).isEqualTo("stopped by " + name + " before the switch");
            assertThat(ExitCode.of(r.outcome()).code).isEqualTo(exit);
            assertThat(world.changedSince(before)).as(String.join("\n", lines)).isEmpty();
            assertThat(world.violations()).isEmpty();
            assertThat(faults.reached()).doesNotContain("before:stop_fg");
        }
    }
}
