package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bgreboot.Progress;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.memory.BgrebootProcess;
import org.bgreboot.engine.memory.Faults;
import org.bgreboot.engine.memory.MemorySpecs;
import org.bgreboot.engine.memory.MemoryVm;
import org.bgreboot.engine.memory.Script;
import org.bgreboot.engine.memory.World;
import org.bgreboot.measure.RunClock;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;

/**
 * One VM in a world in memory, serving, with clients that write to it (and the VM to its system
 * disk) at every moment the flow reports; bgreboot runs as one process after another, each with
 * its own handles, all sharing the world, the state directory and its journal.
 */
final class MemoryRig implements AutoCloseable {
    static final String VM = "web";
    static final String HOST = "h1";

    final World world = new World();
    final Faults faults = Faults.install();
    final VmSpec spec;
    final StateDir state;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    BgrebootProcess process;

    MemoryRig(Path dir) {
        this(dir, s -> s);
    }

    MemoryRig(Path dir, UnaryOperator<VmSpec> edit) {
        this(dir, edit, s -> { });
    }

    /** @param guest how the guest behaves from its first boot on (the services it runs, say) */
    MemoryRig(Path dir, UnaryOperator<VmSpec> edit, java.util.function.Consumer<Script> guest) {
        spec = edit.apply(MemorySpecs.spec(dir, VM));
        world.host(HOST, 64L << 30);
        guest.accept(world.register(spec, HOST));
        state = new StateDir(dir.resolve("vms").resolve(VM));
        process = world.process();
        MemoryVm vm = vm();
        try (Instance i = vm.start(progress())) {
            VmBoot.await(vm, i, progress());
        }
        for (int i = 0; i < 3; i++) {
            assertThat(world.write(VM)).as("the VM takes writes before its reboot").isTrue();
        }
    }

    Script script() {
        return world.script(VM);
    }

    /** The VM as the running bgreboot process reaches it. */
    MemoryVm vm() {
        return world.engine(HOST, process).vm(spec, state);
    }

    /** A new bgreboot process (after the last one was killed). */
    BgrebootProcess restart() {
        process = world.process();
        return process;
    }

    private final long born = System.nanoTime();

    Progress progress() {
        return text -> lines.add(String.format("[%5d ms] %s", (System.nanoTime() - born) / 1_000_000, text));
    }

    /** Clients keep writing, and the VM keeps writing to its system disk, whatever the flow does. */
    RebootListener clients() {
        return new RebootListener() {
            @Override public void phase(Phase phase, double atMs) {
                busy();
            }

            @Override public void step(Step step, double atMs) {
                busy();
            }

            @Override public void timed(TimedStep part) {
                busy();
            }
        };
    }

    private final java.util.concurrent.atomic.AtomicInteger refusedWrites = new java.util.concurrent.atomic.AtomicInteger();

    void busy() {
        if (!world.write(VM)) {
            refusedWrites.incrementAndGet();
        }
        world.systemWrite(VM);
    }

    /** Client writes that were not acknowledged (the VM could not take them) since the rig began. */
    int refusedWrites() {
        return refusedWrites.get();
    }

    RebootOptions options() {
        return RebootOptions.background(RunClock.start()).with(clients());
    }

    RebootResult reboot() {
        return reboot(o -> o);
    }

    RebootResult reboot(UnaryOperator<RebootOptions> edit) {
        return Reboots.run(vm(), edit.apply(options()), progress());
    }

    Recovery.Result recover() {
        return new Recovery(vm(), progress(), clients()).run();
    }

    World.Fg fg() {
        return world.snapshot(VM);
    }

    String story() {
        return "world:\n  " + String.join("\n  ", world.events()) + "\nbgreboot:\n  " + String.join("\n  ", List.copyOf(lines));
    }

    /** Exactly one instance serves, nothing acknowledged is lost, nothing is left over, no reboot is unfinished, no promise was broken. */
    void assertServes() {
        assertThat(world.servingProblems(VM)).as(this::story).isEmpty();
        assertThat(world.violations()).as(this::story).isEmpty();
        assertThat(vm().inspection().leftovers()).as(this::story).isEmpty();
        assertThat(Journal.active(state)).as("an unfinished reboot in the journal").isEmpty();
        assertThat(world.write(VM)).as("the VM takes writes").isTrue();
    }

    /** The abort left FG exactly as it was: the same instance on its own layers with every write, its network, its disk, unfrozen. */
    void assertUntouched(World.Fg before) {
        assertThat(world.changedSince(before)).as(this::story).isEmpty();
        assertServes();
        assertThat(state.readState().orElseThrow().systemOverlays()).isEqualTo(before.layers());
    }

    @Override public void close() {
        faults.close();
    }
}
