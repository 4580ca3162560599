package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
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
import org.libvirt.Domain;
import org.w3c.dom.Element;

/**
 * A VM that is a libvirt domain. Its persistent definition is the VM: what it boots next, with
 * which disks, autostart and all ({@link Definitions}). Each reboot makes a generation, a domain of
 * its own ({@link Generations}): the clone is a transient domain made from the definition, which
 * becomes the VM's persistent definition at the switch (the old one is undefined once it has
 * stopped). bgreboot's metadata in each domain names the VM and its generation, so the VM is found
 * on its host by its stable name whatever its domain is called now; bgreboot's own state directory
 * holds only the journal and the lock.
 */
public final class LibvirtVm implements Vm {
    private static final int START_PAUSED = 1;

    private final Host host;
    private final VmSpec spec;
    private final StateDir state;
    private final DomainDisks disks;
    private final Generations names;
    private final Definitions definitions;
    private final Handover handover;
    private final CpuWeights weights;
    private final DomainContext context;
    private final LibvirtClonePoint clonePoint;
    private final Rehearsal rehearsal;

    private LibvirtVm(Host host, VmSpec spec, StateDir state, DomainDisks disks, Generations names) {
        this.host = host;
        this.spec = spec;
        this.state = state;
        this.disks = disks;
        this.names = names;
        this.definitions = new Definitions(host, spec, names, disks);
        this.handover = new Handover(this::plugFor);
        this.weights = new CpuWeights(host, definitions::shares);
        boolean announces = spec.network().bridged() && spec.libvirt().map(VmSpec.LibvirtDomain::announce).orElse(true);
        this.context = new DomainContext(host, names, disks, handover, spec.network().bridged(), announces, new NetworkTaker(), weights,
                definitions::definitionXml);
        this.clonePoint = new LibvirtClonePoint(definitions, disks, names, host.files(), this::domainInstance);
        this.rehearsal = new Rehearsal(definitions, names, disks, host, handover);
    }

    /** The VM a libvirt spec names, on {@code host}: its domain found and checked; nothing is changed. */
    static LibvirtVm open(Host host, VmSpec fileSpec, StateDir state) {
        VmSpec.LibvirtDomain lv = fileSpec.libvirt().orElseThrow(() -> new IllegalArgumentException(fileSpec.name() + " is no libvirt VM"));
        DomainDisks disks = new DomainDisks(lv.persistentDisk());
        Definitions probe = new Definitions(host, fileSpec, new Generations(fileSpec.name(), lv.domain()), disks);
        String def = probe.definition();
        DomainXml x = probe.xmlOf(def, Definitions.XML_SECURE | Definitions.XML_INACTIVE);
        DomainCheck.check(fileSpec.name(), def, x, disks, "spec " + fileSpec.file());
        Generations names = new Generations(fileSpec.name(), lv.domain(), x.serialLog().map(Path::of).map(Path::getParent));
        return new LibvirtVm(host, EffectiveSpec.of(fileSpec, x, disks), state, disks, names);
    }

    // ---- what the seam asks ---------------------------------------------------------------------

    @Override public VmSpec spec() {
        return spec;
    }

    @Override public StateDir stateDir() {
        return state;
    }

    @Override public String engine() {
        return LibvirtEngine.NAME;
    }

    /** The paper-faithful switch: the clone saved whole and restored under its own name (libvirt restores no other name). */
    @Override public Capability<StateSaving> stateSaving() {
        return Capability.of(new DomainSaveRestore(host, names, definitions, this::domainInstance));
    }

    @Override public Capability<Checkpoints> checkpoints() {
        return Capability.absent("the libvirt engine makes no whole-VM checkpoints (the bench's starting points): use the embedded engine");
    }

    @Override public Capability<SwitchRehearsal> rehearsal() {
        return Capability.of(rehearsal);
    }

    @Override public VmInspection inspection() {
        return new LibvirtInspection(this, definitions, disks, names, host);
    }

    @Override public Optional<Instance> serving() {
        return servingDomain().map(i -> i);
    }

    Optional<DomainInstance> servingDomain() {
        return definitions.serving().flatMap(this::runningDomain);
    }

    @Override public List<Instance> instances() {
        return new ArrayList<>(running());
    }

    List<DomainInstance> running() {
        List<DomainInstance> out = new ArrayList<>();
        definitions.running().forEach(n -> runningDomain(n).ifPresent(out::add));
        return out;
    }

    @Override public Optional<Instance> instance(InstanceId id) {
        if (!names.isGeneration(id.value()) || host.lookup(id.value()).isEmpty() || !definitions.belongs(id.value())) {
            return Optional.empty();
        }
        return runningDomain(id.value()).map(i -> i);
    }

    /** The domain called {@code name} as an instance, if it runs. */
    private Optional<DomainInstance> runningDomain(String name) {
        return host.lookup(name).map(d -> domainInstance(d, name)).filter(DomainInstance::alive);
    }

    private DomainInstance domainInstance(Domain d, String name) {
        return new DomainInstance(context, d, name);
    }

    @Override public VmState state() {
        return definitions.state();
    }

    /**
     * Boots the VM from {@code s}. The current definition, when it already says exactly that (a
     * plain start); otherwise a domain of generation {@code s.generation()} defined from it, which
     * then is the VM's definition (autostart carried over; the older, stopped ones undefined).
     */
    @Override public Instance coldBoot(VmState s, String why, Progress progress) {
        progress.step(why);
        handover.settle();
        servingDomain().ifPresent(r -> {
            throw new UserError("VM " + spec.name() + " runs already (" + r.describe() + ")");
        });
        String def = definitions.definition();
        VmState current = definitions.state();
        boolean asDefined = current.equals(s) || current.generation() == s.generation() && current.systemOverlays().equals(s.systemOverlays())
                && current.boot().equals(s.boot());
        String boot = asDefined ? def : definitions.defineGeneration(s);
        Domain started = host.call("cannot start domain " + boot, () -> {
            Domain d = host.conn().domainLookupByName(boot);
            if (d.isActive() != 1) {
                d.create();
            }
            return d;
        });
        if (asDefined) {
            definitions.markServing(boot, s.generation()); // from now on the domain says which VM it is
        } else {
            definitions.undefineOlder(s.generation());
        }
        state.create();
        state.writeState(s); // bgreboot's own record (libvirt's definition is the truth)
        progress.step(spec.name() + " runs as domain " + boot + " (generation " + s.generation() + ")");
        return domainInstance(started, boot);
    }

    @Override public void reset() {
        throw new UserError("the libvirt engine keeps no layers of its own: the domain's definition is VM " + spec.name()
                + "; to begin again from an image, define the domain anew with virsh define");
    }

    // ---- cloning --------------------------------------------------------------------------------

    /**
     * The clone's names, checked free: the domain {@code VM-g(N+1)} and the layers beside the
     * VM's. Nothing is changed here: a reboot that aborts leaves the serving domain as it was (its
     * metadata too); the new generation's domain carries the VM's name, generation and spec.
     */
    @Override public ClonePlan planClone(Instance fg, VmState s) {
        int to = s.generation() + 1;
        String bg = names.domain(to);
        for (DomainInstance other : running()) {
            if (!other.id().equals(fg.id())) {
                throw new UserError("VM " + spec.name() + " is already being rebooted: its clone " + other.describe() + " runs beside it (another "
                        + "bgreboot is at work, or one was interrupted: then run 'bgreboot recover " + spec.name() + "')");
            }
        }
        if (host.lookup(bg).isPresent()) {
            boolean ours = definitions.belongs(bg);
            throw new UserError("a domain named " + bg + " exists on " + host.uri() + (ours ? " (a generation of VM " + spec.name()
                    + " left behind: undefine it with virsh undefine " + bg + ")" : " and is not VM " + spec.name() + "'s: rename or remove it"));
        }
        DomainXml live = ((DomainInstance) fg).liveXml();
        List<Path> fgLayers = new ArrayList<>();
        List<Path> scratch = new ArrayList<>();
        List<Path> next = new ArrayList<>();
        for (DomainXml.Disk d : disks.system(live)) {
            Path top = Path.of(d.source());
            fgLayers.add(top);
            scratch.add(names.scratch(top.getParent(), d.target(), s.generation()));
            next.add(names.layer(top.getParent(), d.target(), to));
        }
        return new ClonePlan(fg.id(), new InstanceId(bg), fgLayers, scratch, next);
    }

    @Override public ClonePoint clonePoint() {
        return clonePoint;
    }

    /**
     * The clone: a transient domain from the VM's definition (see {@link GenerationXml#clone}),
     * started paused, then resumed; its link was down (on the holding network where it can be moved
     * at the switch, see {@link HoldingNetwork}) and its CPU weight idle from the start. A
     * clone there already (a creation whose answer a lost connection swallowed) is the clone.
     */
    @Override public Instance launchClone(ClonePlan plan, VmState clone, CpuShare share) {
        DomainXml defXml = definitions.definitionXml();
        host.lookup(plan.fg().value()).ifPresent(fg -> weights.remember(domainInstance(fg, plan.fg().value())));
        VmMetadata md = definitions.metadata(VmMetadata.CLONE, clone.generation());
        String name = plan.bg().value();
        DomainXml x = GenerationXml.of(defXml, disks, name, Optional.empty(), Optional.empty(), clone, md);
        Predicate<Element> held = spec.network().bridged() && HoldingNetwork.ensure(host).isPresent() ? HoldingNetwork.movable(host) : nic -> false;
        GenerationXml.clone(x, disks, names.serialLog(name), weights.placement(), share == CpuShare.IDLE, held);
        Domain d = host.call("libvirt refused the clone domain " + plan.bg(), () -> {
            Optional<Domain> there = host.lookupNow(name);
            return there.isPresent() ? there.get() : host.conn().domainCreateXML(x.print(), START_PAUSED);
        });
        DomainInstance bg = domainInstance(d, name);
        bg.resume();
        return bg;
    }

    /**
     * The clone is the VM: its live metadata says so, and it becomes the VM's persistent
     * definition (see {@link Definitions#define}).
     */
    @Override public void promote(Instance instance, VmState s) {
        DomainInstance d = (DomainInstance) instance;
        definitions.define(d.liveXml(), d.name(), s);
        state.create();
        state.writeState(s); // bgreboot's own record (libvirt's definition is the truth)
    }

    @Override public void forget(InstanceId id) {
        definitions.forget(id.value());
    }

    /** What a hot-plug of the persistent disk into {@code clone} needs: the disk as the VM's definition has it, and who has it open now. */
    private Handover.Plug plugFor(DomainInstance clone) {
        String diskXml = disks.persistent(definitions.definitionXml()).orElseThrow(() ->
                new LibvirtFailure("VM " + spec.name() + "'s definition lost its persistent disk")).xml();
        List<DomainInstance> holders = new ArrayList<>();
        for (DomainInstance r : running()) {
            if (!r.name().equals(clone.name()) && r.persistentDisk().attached()) {
                holders.add(r);
            }
        }
        return new Handover.Plug(diskXml, holders);
    }
}
