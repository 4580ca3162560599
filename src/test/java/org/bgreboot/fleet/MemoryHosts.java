package org.bgreboot.fleet;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.memory.BgrebootProcess;
import org.bgreboot.engine.memory.World;
import org.bgreboot.state.StateDir;

/**
 * The hosts of a world in memory as one bgreboot process (a roll) reaches them: a host that stops
 * answering is down for the rest of the roll, as {@link LibvirtHosts} has it.
 */
final class MemoryHosts implements FleetHosts {
    private final World world;
    private final BgrebootProcess process;
    private final Path home;
    private final List<String> hosts;
    private final Set<String> down = ConcurrentHashMap.newKeySet();

    MemoryHosts(World world, BgrebootProcess process, Path home, List<String> hosts) {
        this.world = world;
        this.process = process;
        this.home = home;
        this.hosts = List.copyOf(hosts);
    }

    static StateDir stateDir(Path home, String vm) {
        return new StateDir(home.resolve("vms").resolve(vm));
    }

    @Override public List<String> uris() {
        return hosts;
    }

    @Override public List<String> vmsOn(String uri) {
        answering(uri);
        return world.vmsOn(uri);
    }

    @Override public boolean has(String uri, String vm) {
        return vmsOn(uri).contains(vm);
    }

    @Override public Vm vm(String uri, String name) {
        answering(uri);
        return world.engine(uri, process).vm(world.spec(name), stateDir(home, name));
    }

    @Override public boolean reachable(String uri) {
        if (process.dead()) {
            throw new org.bgreboot.engine.memory.Killed("(" + process + " is gone)");
        }
        if (down.contains(uri) || !hosts.contains(uri)) {
            return false;
        }
        if (!world.reachable(uri)) {
            down.add(uri);
            return false;
        }
        return true;
    }

    @Override public boolean isDown(String uri) {
        return down.contains(uri);
    }

    @Override public long availableMemoryBytes(String uri) {
        answering(uri);
        return world.availableMemory(uri);
    }

    private void answering(String uri) {
        if (!reachable(uri)) {
            throw new IllegalStateException("host " + uri + " does not answer");
        }
    }

    @Override public void close() { }
}
