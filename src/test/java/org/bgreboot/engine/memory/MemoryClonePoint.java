package org.bgreboot.engine.memory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.ClonePoint;
import org.bgreboot.engine.Instance;

/** The clone point over the world's layers: scratch layers, an atomic cut, clone layers, a commit back, a merge after. */
final class MemoryClonePoint implements ClonePoint {
    private final World world;
    private final BgrebootProcess process;
    private final String vm;
    private final String host;
    private final List<Path> baseImages;

    MemoryClonePoint(World world, BgrebootProcess process, String vm, String host, List<Path> baseImages) {
        this.world = world;
        this.process = process;
        this.vm = vm;
        this.host = host;
        this.baseImages = List.copyOf(baseImages);
    }

    private Machine machine(Instance i) {
        world.enter(process, host);
        return ((MemoryInstance) i).machine();
    }

    @Override public void prepare(Instance fg, ClonePlan plan) {
        world.prepareScratch(machine(fg), plan);
    }

    @Override public void cut(Instance fg, ClonePlan plan) {
        world.cut(machine(fg), plan);
    }

    @Override public void createCloneDisks(ClonePlan plan) {
        world.enter(process, host);
        world.createCloneDisks(vm, plan);
    }

    @Override public void deleteCloneDisks(ClonePlan plan) {
        world.enter(process, host);
        world.deleteCloneDisks(plan);
    }

    @Override public void undo(Instance fg, ClonePlan plan) {
        world.undoCut(machine(fg), plan);
    }

    @Override public List<Path> fgLayers(ClonePlan plan) {
        world.enter(process, host);
        List<Path> l = new ArrayList<>();
        for (int i = 0; i < plan.fgOverlays().size(); i++) {
            l.add(world.layerExists(plan.fgScratch().get(i)) ? plan.fgScratch().get(i) : plan.fgOverlays().get(i));
        }
        return l;
    }

    @Override public void retire(Instance serving, ClonePlan plan) {
        machine(serving);
        world.retire(vm, plan, baseImages.get(0));
    }
}
