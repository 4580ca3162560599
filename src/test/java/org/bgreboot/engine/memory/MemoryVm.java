package org.bgreboot.engine.memory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Capability;
import org.bgreboot.engine.Checkpoints;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.ClonePoint;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.StateSaving;
import org.bgreboot.engine.SwitchRehearsal;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.VmInspection;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;
import org.bgreboot.state.VmState;

/**
 * A VM of the engine in memory: its instances are the world's, its records ({@code vm.json},
 * journal, lock) a real state directory. Instances are found again by id from any process, as a
 * recovery finds a crashed reboot's.
 */
public final class MemoryVm implements Vm {
    private final World world;
    private final String host;
    private final BgrebootProcess process;
    private final VmSpec spec;
    private final StateDir state;

    MemoryVm(World world, String host, BgrebootProcess process, VmSpec spec, StateDir state) {
        this.world = world;
        this.host = host;
        this.process = process;
        this.spec = spec;
        this.state = state;
    }

    private void enter() {
        world.enter(process, host);
    }

    private Instance handle(Machine m) {
        return new MemoryInstance(world, process, m);
    }

    @Override public VmSpec spec() {
        return spec;
    }

    @Override public StateDir stateDir() {
        return state;
    }

    @Override public String engine() {
        return MemoryEngine.NAME;
    }

    @Override public Optional<Instance> serving() {
        enter();
        return world.current(spec.name()).map(this::handle);
    }

    @Override public List<Instance> instances() {
        enter();
        return world.live(spec.name()).stream().map(this::handle).toList();
    }

    /** A running instance, or a killed one still holding its disk; a restored clone is found by its clone's id too. */
    @Override public Optional<Instance> instance(InstanceId id) {
        enter();
        Optional<Machine> m = found(id.value());
        if (m.isEmpty() && !id.value().endsWith("-restored")) {
            m = found(id.value() + "-restored");
        }
        return m.map(this::handle);
    }

    private Optional<Machine> found(String id) {
        return world.machine(spec.name(), id).filter(m -> m.alive() || m.holdsImage());
    }

    @Override public VmState state() {
        enter();
        state.create();
        Optional<VmState> existing = state.readState();
        if (existing.isPresent()) {
            for (Path p : existing.get().systemOverlays()) {
                if (!world.layerExists(p)) {
                    throw new UserError("VM " + spec.name() + ": its system disk layer " + p + " is missing");
                }
            }
            return existing.get();
        }
        List<Path> overlays = new ArrayList<>();
        for (int i = 0; i < spec.systemDisks().size(); i++) {
            Path overlay = layer(i, 0);
            world.createLayer(spec.name(), overlay, spec.systemDisks().get(i));
            overlays.add(overlay);
        }
        VmState initial = new VmState(0, overlays, spec.boot(), spec.persistentDisk());
        state.writeState(initial);
        return initial;
    }

    private Path layer(int disk, int generation) {
        return state.disks().resolve("system-" + disk + "-g" + generation + ".qcow2");
    }

    /** Starts the VM from its state, as {@code vm start} would. */
    public Instance start(Progress progress) {
        return coldBoot(state(), "starting " + spec.name(), progress);
    }

    @Override public Instance coldBoot(VmState s, String why, Progress progress) {
        enter();
        progress.step(why);
        Machine m = world.coldBoot(spec, s);
        state.writeState(s);
        return handle(m);
    }

    @Override public void reset() {
        enter();
        if (!world.live(spec.name()).isEmpty()) {
            throw new UserError("VM " + spec.name() + " is running; stop it before resetting it");
        }
        state.readState().ifPresent(s -> s.systemOverlays().forEach(world::deleteLayer));
        org.bgreboot.state.Durable.deleteIfExists(state.path().resolve("vm.json"));
    }

    @Override public ClonePlan planClone(Instance fg, VmState s) {
        int to = s.generation() + 1;
        List<Path> scratch = new ArrayList<>();
        List<Path> next = new ArrayList<>();
        for (int i = 0; i < s.systemOverlays().size(); i++) {
            scratch.add(state.disks().resolve("system-" + i + "-g" + s.generation() + "-scratch.qcow2"));
            next.add(layer(i, to));
        }
        return new ClonePlan(fg.id(), new InstanceId("g" + to), s.systemOverlays(), scratch, next);
    }

    @Override public ClonePoint clonePoint() {
        return new MemoryClonePoint(world, process, spec.name(), host, spec.systemDisks());
    }

    @Override public Instance launchClone(ClonePlan plan, VmState clone, CpuShare share) {
        enter();
        return handle(world.launchClone(spec, plan, clone, share));
    }

    @Override public void promote(Instance instance, VmState s) {
        enter();
        World.point("memory:promote-state");
        state.writeState(s);
        world.promote(((MemoryInstance) instance).machine());
    }

    @Override public void forget(InstanceId id) {
        enter();
        world.forget(spec.name(), id.value());
    }

    @Override public VmInspection inspection() {
        return new VmInspection() {
            @Override public List<String> specDrift() {
                return List.of();
            }

            @Override public FreeSpace freeSpace() {
                synchronized (world) {
                    return new FreeSpace(world.script(spec.name()).freeBytes, state.path().toString());
                }
            }

            @Override public int chainDepth() {
                return state.readState().map(s -> s.systemOverlays().stream().mapToInt(o -> world.chain(o).size()).max().orElse(0)).orElse(0);
            }

            @Override public List<String> leftovers() {
                enter();
                return world.leftovers(spec.name(), state.readState().map(VmState::systemOverlays).orElse(List.of()));
            }
        };
    }

    @Override public Capability<StateSaving> stateSaving() {
        synchronized (world) {
            if (!world.script(spec.name()).stateSaving) {
                return Capability.absent("this engine in memory was told it cannot save an instance");
            }
        }
        return Capability.of((instance, timeout) -> {
            enter();
            return handle(world.saveAndRestore(((MemoryInstance) instance).machine()));
        });
    }

    @Override public Capability<Checkpoints> checkpoints() {
        return Capability.absent("the engine in memory keeps no checkpoints");
    }

    @Override public Capability<SwitchRehearsal> rehearsal() {
        return Capability.of(new SwitchRehearsal() {
            @Override public void before(Instance clone) {
                enter();
                world.event(clone.id() + " rehearses the switch");
            }

            @Override public void after(Instance serving) {
                enter();
                world.event(serving.id() + " tidies its rehearsal");
            }
        });
    }
}
