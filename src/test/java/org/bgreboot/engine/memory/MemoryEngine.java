package org.bgreboot.engine.memory;

import org.bgreboot.engine.Engine;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;

/** The engine in memory: one host of a {@link World}, as one bgreboot process reaches it. */
public final class MemoryEngine implements Engine {
    public static final String NAME = "memory";

    private final World world;
    private final String host;
    private final BgrebootProcess process;

    MemoryEngine(World world, String host, BgrebootProcess process) {
        this.world = world;
        this.host = host;
        this.process = process;
    }

    @Override public String name() {
        return NAME;
    }

    @Override public MemoryVm vm(VmSpec spec, StateDir state) {
        return new MemoryVm(world, host, process, spec, state);
    }

    public String host() {
        return host;
    }
}
