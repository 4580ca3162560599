package org.bgreboot.engine.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.ClonePoint;
import org.bgreboot.engine.Instance;
import org.bgreboot.state.Durable;

/**
 * The clone point over QMP: scratch overlays opened beforehand, one {@code transaction} of
 * {@code blockdev-snapshot} (every disk cut at the same instant, nothing created inside FG's
 * freeze), an active commit to undo it, and {@code block-stream} to keep the chain short after.
 */
final class QemuClonePoint implements ClonePoint {
    private final Path disks;
    /** The nodes FG wrote to when the cut was prepared: asked once, outside FG's freeze. */
    private final Map<ClonePlan, List<String>> preparedTops = new ConcurrentHashMap<>();

    QemuClonePoint(Path disks) {
        this.disks = disks;
    }

    @Override public void prepare(Instance fg, ClonePlan plan) {
        QemuProcess p = (QemuProcess) fg;
        List<String> tops = SystemDisks.topNodes(p.qmp(), plan.fgOverlays().size());
        preparedTops.put(plan, tops);
        SystemDisks.prepareScratch(p.qmp(), tops, plan.fgOverlays(), plan.fgScratch());
    }

    @Override public void cut(Instance fg, ClonePlan plan) {
        QemuProcess p = (QemuProcess) fg;
        List<String> tops = preparedTops.remove(plan);
        SystemDisks.snapshot(p.qmp(), tops != null ? tops : SystemDisks.topNodes(p.qmp(), plan.fgOverlays().size()), plan.fgScratch());
    }

    @Override public void createCloneDisks(ClonePlan plan) {
        for (int i = 0; i < plan.bgOverlays().size(); i++) {
            QemuImg.createOverlay(plan.bgOverlays().get(i), plan.fgOverlays().get(i));
        }
    }

    @Override public void deleteCloneDisks(ClonePlan plan) {
        plan.bgOverlays().forEach(Durable::deleteIfExists);
    }

    @Override public void undo(Instance fg, ClonePlan plan) {
        QemuProcess p = (QemuProcess) fg;
        List<String> tops = SystemDisks.topNodes(p.qmp(), plan.fgOverlays().size());
        List<String> onScratch = new ArrayList<>();
        List<String> bases = new ArrayList<>();
        for (int i = 0; i < tops.size(); i++) {
            if (tops.get(i).equals(LayerNames.node(plan.fgScratch().get(i)))) {
                onScratch.add(tops.get(i));
                bases.add(SystemDisks.nodeOfFile(p.qmp(), plan.fgOverlays().get(i)));
            }
        }
        if (!onScratch.isEmpty()) {
            SystemDisks.commitBack(p.qmp(), onScratch, bases); // FG's writes since the cut go down with it
        }
        SystemDisks.dropScratch(p.qmp(), plan.fgScratch()); // prepared but never cut to
        plan.fgScratch().forEach(Durable::deleteIfExists);
    }

    @Override public List<Path> fgLayers(ClonePlan plan) {
        List<Path> layers = new ArrayList<>();
        for (int i = 0; i < plan.fgOverlays().size(); i++) {
            Path scratch = plan.fgScratch().get(i);
            // a scratch layer holds FG's state only once it was cut onto: then the old layer is its backing
            boolean cut = Files.exists(scratch) && QemuImg.chain(scratch).contains(plan.fgOverlays().get(i));
            layers.add(cut ? scratch : plan.fgOverlays().get(i));
        }
        return layers;
    }

    /**
     * Streams everything above the image the VM was first made from (the first layer outside its
     * disks/ directory) into the new top, so the old generation's layers leave the chain, then
     * deletes them. Each part looks first, so a retire cut short is finished by another.
     */
    @Override public void retire(Instance serving, ClonePlan plan) {
        QemuProcess p = (QemuProcess) serving;
        for (int i = 0; i < plan.bgOverlays().size(); i++) {
            Path top = plan.bgOverlays().get(i);
            List<Path> before = QemuImg.chain(top);
            // every layer of ours below the new top: the clone point, and any a cold boot of FG's own disks left under it
            List<Path> ours = before.stream().filter(layer -> layer.startsWith(disks) && !layer.equals(top)).toList();
            if (!ours.isEmpty()) {
                Path base = before.stream().filter(layer -> !layer.startsWith(disks)).findFirst().orElseThrow();
                SystemDisks.streamInto(p.qmp(), i, base);
            }
            ours.forEach(Durable::deleteIfExists);
            Durable.deleteIfExists(plan.fgOverlays().get(i)); // a retire cut short may have streamed it out already
        }
        plan.fgScratch().forEach(Durable::deleteIfExists);
    }
}
