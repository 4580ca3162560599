package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import org.bgreboot.Sleep;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.ClonePoint;
import org.bgreboot.engine.Instance;
import org.libvirt.Domain;

/**
 * The clone point through libvirt's snapshot API: FG's scratch layers made beforehand (storage
 * API), then one disk-only, atomic, metadata-free external snapshot that reuses them (every system
 * disk cut at the same instant; libvirt moves FG's live and persistent definition onto them). No
 * QUIESCE flag: the flow syncs before the cut, or freezes the system disks' filesystems itself
 * with --quiesce, and libvirt's quiesce would freeze the persistent disk too, which keeps taking
 * writes. Undone by an active commit with an explicit base (never the bottom of the chain: that is
 * the shared base image) and a pivot; the chain is kept short by pulling the old layer into the new one.
 */
final class LibvirtClonePoint implements ClonePoint {
    private static final int SNAP_NO_METADATA = 4;
    private static final int SNAP_DISK_ONLY = 16;
    private static final int SNAP_REUSE_EXT = 32;
    private static final int SNAP_ATOMIC = 128;
    private static final Duration BLOCK_JOB_TIMEOUT = Duration.ofMinutes(10);

    private final Definitions definitions;
    private final DomainDisks disks;
    private final Generations names;
    private final HostFiles files;
    private final BiFunction<Domain, String, DomainInstance> instance;
    /** The format of each layer FG wrote to before the cut (a user's first image may be raw); asked while FG runs. */
    private final java.util.Map<ClonePlan, List<String>> formats = new java.util.concurrent.ConcurrentHashMap<>();

    LibvirtClonePoint(Definitions definitions, DomainDisks disks, Generations names, HostFiles files, BiFunction<Domain, String, DomainInstance> instance) {
        this.definitions = definitions;
        this.disks = disks;
        this.names = names;
        this.files = files;
        this.instance = instance;
    }

    @Override public void prepare(Instance fg, ClonePlan plan) {
        List<DomainXml.Disk> system = disks.system(((DomainInstance) fg).liveXml());
        formats.put(plan, system.stream().map(DomainXml.Disk::format).toList());
        for (int i = 0; i < plan.fgScratch().size(); i++) {
            files.createLayer(plan.fgScratch().get(i), plan.fgOverlays().get(i), system.get(i).format(), capacity(fg, system.get(i)));
        }
    }

    /** One snapshot of every system disk; one FG has made already (its answer lost with a connection) is not made again. */
    @Override public void cut(Instance fg, ClonePlan plan) {
        DomainInstance d = (DomainInstance) fg;
        DomainXml live = d.liveXml();
        List<DomainXml.Disk> system = disks.system(live);
        StringBuilder xml = new StringBuilder("<domainsnapshot><disks>");
        for (DomainXml.Disk disk : live.disks()) {
            int i = system.indexOf(disk);
            if (i >= 0) {
                xml.append("<disk name='").append(disk.target()).append("' snapshot='external' type='file'><driver type='qcow2'/><source file='")
                        .append(escape(plan.fgScratch().get(i).toString())).append("'/></disk>");
            } else {
                xml.append("<disk name='").append(disk.target()).append("' snapshot='no'/>");
            }
        }
        xml.append("</disks></domainsnapshot>");
        d.call("libvirt could not snapshot the system disks of " + d.describe(), dom -> {
            if (!cutAlready(DomainXml.parse(dom.getXMLDesc(0)), plan)) {
                dom.snapshotCreateXML(xml.toString(), SNAP_DISK_ONLY | SNAP_ATOMIC | SNAP_NO_METADATA | SNAP_REUSE_EXT);
            }
            return null;
        });
    }

    /** Whether FG writes to this plan's scratch layers already. */
    private boolean cutAlready(DomainXml live, ClonePlan plan) {
        List<String> now = disks.system(live).stream().map(DomainXml.Disk::source).toList();
        return now.equals(plan.fgScratch().stream().map(Path::toString).toList());
    }

    @Override public void createCloneDisks(ClonePlan plan) {
        Domain fg = definitions.domainOf(plan.fg().value()).orElseThrow(() -> new LibvirtFailure("domain " + plan.fg() + " is gone"));
        DomainInstance f = instance.apply(fg, plan.fg().value());
        List<DomainXml.Disk> system = disks.system(definitions.xmlOf(plan.fg().value(), Definitions.XML_SECURE | Definitions.XML_INACTIVE));
        for (int i = 0; i < plan.bgOverlays().size(); i++) {
            DomainXml.Disk d = system.get(i);
            String format = formatOf(plan, i);
            files.createLayer(plan.bgOverlays().get(i), plan.fgOverlays().get(i), format, capacity(f, d));
        }
    }

    @Override public void deleteCloneDisks(ClonePlan plan) {
        plan.bgOverlays().forEach(files::delete);
    }

    /**
     * Each disk FG writes to a scratch layer of this plan is committed back into the layer it
     * had, the commit job (whoever started it) run to its end and pivoted; scratch layers never cut
     * onto are deleted.
     */
    @Override public void undo(Instance fg, ClonePlan plan) {
        DomainInstance d = (DomainInstance) fg;
        List<DomainXml.Disk> system = disks.system(d.liveXml());
        for (int i = 0; i < system.size() && i < plan.fgScratch().size(); i++) {
            DomainXml.Disk disk = system.get(i);
            if (disk.source().equals(plan.fgScratch().get(i).toString())) {
                String base = plan.fgOverlays().get(i).toString();
                d.call("cannot commit " + disk.target() + "'s top layer into " + base, dom -> {
                    if (Virt.blockJob(dom, disk.target()).isEmpty()) {
                        Virt.activeCommit(dom, disk.target(), base);
                    }
                    return null;
                });
                pivotWhenReady(d, disk.target());
            }
        }
        plan.fgScratch().forEach(files::delete);
    }

    private static void pivotWhenReady(DomainInstance d, String target) {
        long deadline = System.nanoTime() + BLOCK_JOB_TIMEOUT.toNanos();
        while (true) {
            Optional<Virt.BlockJobInfo> job = blockJob(d, target);
            if (job.isEmpty()) {
                return; // pivoted already (an undo cut short after its pivot)
            }
            if (job.get().end > 0 && job.get().cur == job.get().end && d.call("cannot pivot " + target, dom -> Virt.pivot(dom, target))) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new LibvirtFailure("the commit of " + target + " back into its own layer did not finish within " + BLOCK_JOB_TIMEOUT.toMinutes() + " min");
            }
            Sleep.ms(5);
        }
        DomainInstance.waitUntil("the end of " + target + "'s commit job", BLOCK_JOB_TIMEOUT, () -> blockJob(d, target).isEmpty());
    }

    private static Optional<Virt.BlockJobInfo> blockJob(DomainInstance d, String target) {
        return d.call("cannot read " + target + "'s block job", dom -> Virt.blockJob(dom, target));
    }

    /** What FG's definition says it boots from: its scratch layers once it was cut onto them. */
    @Override public List<Path> fgLayers(ClonePlan plan) {
        if (definitions.domainOf(plan.fg().value()).isEmpty()) {
            return plan.fgOverlays();
        }
        List<Path> layers = new ArrayList<>();
        for (DomainXml.Disk d : disks.system(definitions.xmlOf(plan.fg().value(), Definitions.XML_SECURE | Definitions.XML_INACTIVE))) {
            layers.add(Path.of(d.source()));
        }
        return layers.size() == plan.fgOverlays().size() ? layers : plan.fgOverlays();
    }

    /**
     * The old generations' layers leave the new chain: everything above the first layer that is
     * not bgreboot's (the user's own image) is pulled into the new top, then those layers (the old
     * generation's, and older ones a rollback whose FG had died left below it: its scratch layer
     * booted as the VM's) and the scratch layers are deleted. The user's images are never
     * deleted. Each part looks first.
     */
    @Override public void retire(Instance serving, ClonePlan plan) {
        DomainInstance s = (DomainInstance) serving;
        List<DomainXml.Disk> system = disks.system(s.liveXml());
        for (int i = 0; i < system.size() && i < plan.fgOverlays().size(); i++) {
            DomainXml.Disk disk = system.get(i);
            List<String> ours = disk.chain().stream().takeWhile(l -> names.ours(Path.of(l))).toList();
            if (!ours.isEmpty()) {
                String base = disk.chain().stream().filter(l -> !names.ours(Path.of(l))).findFirst().orElseThrow(() ->
                        new LibvirtFailure("the chain of " + disk.target() + " has no image below bgreboot's layers"));
                s.call("cannot pull " + disk.target() + "'s layers above " + base, dom -> {
                    if (Virt.blockJob(dom, disk.target()).isEmpty()) {
                        Virt.pull(dom, disk.target(), base);
                    }
                    return null;
                });
                DomainInstance.waitUntil("the end of " + disk.target() + "'s pull job", BLOCK_JOB_TIMEOUT, () -> blockJob(s, disk.target()).isEmpty());
                ours.forEach(l -> files.delete(Path.of(l)));
            }
            Path old = plan.fgOverlays().get(i);
            if (names.ours(old) && !old.toString().equals(disk.source())) {
                files.delete(old);
            }
        }
        plan.fgScratch().forEach(files::delete);
    }

    private static long capacity(Instance i, DomainXml.Disk d) {
        return ((DomainInstance) i).call("cannot read the size of disk " + d.target(), dom -> dom.blockInfo(d.target()).getCapacity());
    }

    /** The format of the layer FG left at the cut: as it was before the cut; qcow2 for every layer bgreboot made. */
    private String formatOf(ClonePlan plan, int i) {
        List<String> f = formats.get(plan);
        return names.ours(plan.fgOverlays().get(i)) || f == null ? "qcow2" : f.get(i);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;");
    }
}
