package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.engine.StateSaving;
import org.bgreboot.engine.SwitchRehearsal;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.VmInspection;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.StateDir;
import org.bgreboot.state.VmState;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.SchedParameter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM that is a libvirt domain. Its persistent definition is the VM: what it boots next, with
 * which disks, autostart and all. Each reboot makes a generation, a domain of its own ({@link
 * Generations}): the clone is a transient domain made from the definition, which becomes the VM's
 * persistent definition at the switch (the old one is undefined once it has stopped). bgreboot's
 * metadata in each domain names the VM and its generation, so the VM is found on its host by its
 * stable name whatever its domain is called now; bgreboot's own state directory holds only the
 * journal and the lock.
 */
public final class LibvirtVm implements Vm {
    private static final Logger log = LoggerFactory.getLogger(LibvirtVm.class);
    static final int XML_SECURE = 1;
    static final int XML_INACTIVE = 2;
    private static final int START_PAUSED = 1;
    private static final long DEFAULT_SHARES = 1024;

    private final Host host;
    private final VmSpec spec;
    private final StateDir state;
    private final DomainDisks disks;
    private final Generations names;
    private final Handover handover;
    private final LibvirtClonePoint clonePoint;
    private CpuPlacement placement;
    private volatile Long normalShares;

    private LibvirtVm(Host host, VmSpec spec, StateDir state, DomainDisks disks, Generations names, boolean lockedDisk) {
        this.host = host;
        this.spec = spec;
        this.state = state;
        this.disks = disks;
        this.names = names;
        this.handover = new Handover(lockedDisk);
        this.clonePoint = new LibvirtClonePoint(this);
    }

    /** The VM a libvirt spec names, on {@code host}: its domain found and checked; nothing is changed. */
    static LibvirtVm open(Host host, VmSpec fileSpec, StateDir state) {
        VmSpec.LibvirtDomain lv = fileSpec.libvirt().orElseThrow(() -> new IllegalArgumentException(fileSpec.name() + " is no libvirt VM"));
        Generations names = new Generations(fileSpec.name(), lv.domain());
        DomainDisks disks = new DomainDisks(lv.persistentDisk());
        LibvirtVm probe = new LibvirtVm(host, fileSpec, state, disks, names, false);
        Domain def = probe.definitionDomain();
        DomainXml x = probe.xmlOf(def, XML_SECURE | XML_INACTIVE);
        DomainCheck.check(fileSpec.name(), probe.nameOf(def), x, disks, "spec " + fileSpec.file());
        DomainXml.Disk persistent = disks.persistent(x).orElseThrow();
        VmSpec effective = effective(fileSpec, x, disks);
        return new LibvirtVm(host, effective, state, disks, names, persistent.type().equals("file") || persistent.type().equals("block"));
    }

    /** The spec as the domain fills it in: its memory, CPUs, disks, network and kernel are the domain's. */
    private static VmSpec effective(VmSpec s, DomainXml x, DomainDisks disks) {
        DomainXml.Disk p = disks.persistent(x).orElseThrow();
        VmSpec.PersistentDisk pd = new VmSpec.PersistentDisk(Path.of(p.source().isEmpty() ? "/" : p.source()), p.format(), p.serial());
        List<Path> system = disks.system(x).stream().map(d -> Path.of(d.source())).toList();
        Optional<VmSpec.KernelBoot> boot = GenerationXml.boot(x);
        Optional<VmSpec.Update> update = s.update().map(u -> new VmSpec.Update(u.install(), u.boot().map(b -> b.cmdline() != null ? b
                : new VmSpec.KernelBoot(b.kernel(), b.initrd(), x.cmdline().orElse(""))), u.kexec()));
        VmSpec.Network net = s.network();
        Optional<org.w3c.dom.Element> nic = x.devices("interface").stream().findFirst();
        String mac = nic.flatMap(n -> DomainXml.child(n, "mac")).map(m -> m.getAttribute("address")).orElse("");
        String type = nic.map(n -> n.getAttribute("type")).orElse("");
        String bridge = nic.flatMap(n -> DomainXml.child(n, "source")).map(src -> !src.getAttribute("bridge").isEmpty()
                ? src.getAttribute("bridge") : src.getAttribute("network")).orElse("");
        VmSpec.Network.Mode mode = type.equals("user") ? VmSpec.Network.Mode.USER : VmSpec.Network.Mode.BRIDGE;
        VmSpec.Network effectiveNet = new VmSpec.Network(mode, mac, List.of(), bridge, "", net.address(), net.clientNetns(), net.servicePort());
        return s.asDomain(ByteSize.ofMiB(Math.max(1, x.memoryBytes() >> 20)), x.vcpus(), x.machine(), system, pd, effectiveNet, boot, update);
    }

    // ---- what the seam asks ---------------------------------------------------------------------

    @Override public VmSpec spec() {
        return spec;
    }

    @Override public StateDir stateDir() {
        return state;
    }

    /** A domain's whole state is saved and restored under the clone's own name (see DomainInstance#stateSaving). */
    /** The paper-faithful switch: the clone saved whole and restored under its own name (libvirt restores no other name). */
    @Override public Capability<StateSaving> stateSaving() {
        return Capability.of((clone, timeout) -> saveAndRestore((DomainInstance) clone));
    }

    @Override public Capability<Checkpoints> checkpoints() {
        return Capability.absent("the libvirt engine makes no whole-VM checkpoints (the bench's starting points): use the embedded engine");
    }

    @Override public Capability<SwitchRehearsal> rehearsal() {
        return Capability.of(new SwitchRehearsal() {
            @Override public void before(Instance clone) {
                beforeSwitch(clone);
            }

            @Override public void after(Instance serving) {
                afterSwitch(serving);
            }
        });
    }

    @Override public VmInspection inspection() {
        return new VmInspection() {
            @Override public List<String> specDrift() {
                return LibvirtVm.this.specDrift();
            }

            @Override public FreeSpace freeSpace() {
                Path dir = layerDir();
                return new FreeSpace(host.files().available(dir), dir + " on " + host.uri());
            }

            @Override public int chainDepth() {
                return servingDomain().map(s -> disks.system(s.liveXml()).stream().mapToInt(d -> d.layers().size()).max().orElse(0)).orElse(0);
            }

            @Override public List<String> leftovers() {
                return LibvirtVm.this.leftovers();
            }
        };
    }

    @Override public String engine() {
        return LibvirtEngine.NAME;
    }

    /** The domain's live setup against its definition, where it matters: one line each. */
    List<String> specDrift() {
        List<String> drift = new ArrayList<>();
        serving().ifPresent(s -> {
            try (DomainInstance d = (DomainInstance) s) {
                DomainXml live = d.liveXml();
                DomainXml def = definitionXml();
                if (live.memoryBytes() != def.memoryBytes()) {
                    drift.add("memory: runs with " + (live.memoryBytes() >> 20) + " MiB, its definition says " + (def.memoryBytes() >> 20) + " MiB");
                }
                if (live.vcpus() != def.vcpus()) {
                    drift.add("cpus: runs with " + live.vcpus() + ", its definition says " + def.vcpus());
                }
                Optional<String> lp = disks.persistent(live).map(DomainXml.Disk::source);
                Optional<String> dp = disks.persistent(def).map(DomainXml.Disk::source);
                if (!lp.equals(dp)) {
                    drift.add("persistent disk: runs with " + lp.orElse("none") + ", its definition says " + dp.orElse("none"));
                }
            }
        });
        return drift;
    }

    @Override public Optional<Instance> serving() {
        return servingDomain().map(i -> i);
    }

    Optional<DomainInstance> servingDomain() {
        return mine().stream().filter(Host.DomainEntry::active)
                .filter(e -> e.metadata().map(VmMetadata::serving).orElse(true))
                .max(Comparator.comparingInt(e -> e.metadata().map(VmMetadata::generation).orElse(0)))
                .flatMap(e -> host.lookup(e.name()).map(d -> new DomainInstance(this, host, d, e.name())));
    }

    @Override public List<Instance> instances() {
        return new ArrayList<>(running());
    }

    List<DomainInstance> running() {
        List<DomainInstance> out = new ArrayList<>();
        for (Host.DomainEntry e : mine()) {
            if (e.active()) {
                host.lookup(e.name()).ifPresent(d -> out.add(new DomainInstance(this, host, d, e.name())));
            }
        }
        return out;
    }

    @Override public Optional<Instance> instance(InstanceId id) {
        if (!names.isGeneration(id.value())) {
            return Optional.empty();
        }
        return host.lookup(id.value()).filter(d -> belongs(d, id.value()) && active(d)).map(d -> new DomainInstance(this, host, d, id.value()));
    }

    @Override public VmState state() {
        Domain def = definitionDomain();
        DomainXml x = xmlOf(def, XML_SECURE | XML_INACTIVE);
        int gen = Host.metadata(def, Virt.AFFECT_CONFIG).map(VmMetadata::generation).orElse(0);
        return new VmState(gen, disks.system(x).stream().map(d -> Path.of(d.source())).toList(), GenerationXml.boot(x), spec.persistentDisk());
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
        Domain def = definitionDomain();
        String defName = nameOf(def);
        DomainXml defXml = xmlOf(def, XML_SECURE | XML_INACTIVE);
        VmState current = state();
        Domain boot;
        String bootName;
        if (current.equals(s) || (current.generation() == s.generation() && current.systemOverlays().equals(s.systemOverlays())
                && current.boot().equals(s.boot()))) {
            boot = def;
            bootName = defName;
        } else {
            bootName = names.domain(s.generation());
            Optional<Domain> existing = host.lookup(bootName);
            if (existing.isPresent() && active(existing.get())) {
                throw new UserError("domain " + bootName + " of VM " + spec.name() + " runs already");
            }
            VmMetadata md = metadataOf(def).as(VmMetadata.SERVING, s.generation());
            DomainXml x = GenerationXml.of(defXml, disks, bootName, existing.flatMap(this::uuidOf), Optional.empty(), s, md);
            boot = LibvirtCall.of("cannot define domain " + bootName + " for VM " + spec.name(), () -> host.conn().domainDefineXML(x.print()));
            carryAutostart(def, boot);
        }
        Domain started = boot;
        LibvirtCall.run("cannot start domain " + bootName, started::create);
        if (!bootName.equals(defName)) {
            undefineOlder(s.generation());
        } else {
            markServing(started, s.generation()); // from now on the domain says which VM it is
        }
        state.create();
        state.writeState(s); // bgreboot's own record (libvirt's definition is the truth)
        progress.step(spec.name() + " runs as domain " + bootName + " (generation " + s.generation() + ")");
        return new DomainInstance(this, host, started, bootName);
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
        Optional<Domain> taken = host.lookup(bg);
        if (taken.isPresent()) {
            boolean ours = belongs(taken.get(), bg);
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

    /** Records the VM's name, generation and spec in a domain bgreboot starts as the VM ({@code vm start}). */
    private void markServing(Domain d, int generation) {
        VmMetadata md = new VmMetadata(spec.name(), generation, VmMetadata.SERVING, spec.libvirt().map(VmSpec.LibvirtDomain::specText).orElse(""));
        if (Host.metadata(d, 0).equals(Optional.of(md))) {
            return;
        }
        int flags = Virt.AFFECT_LIVE | (persistent(d) ? Virt.AFFECT_CONFIG : 0);
        Virt.setMetadata(d, md.toPlainXml(), VmMetadata.PREFIX, VmMetadata.NS, flags);
    }

    @Override public ClonePoint clonePoint() {
        return clonePoint;
    }

    /**
     * The clone: a transient domain from the VM's definition (see {@link GenerationXml#clone}),
     * started paused, then resumed; its link was down and its CPU weight idle from the start.
     */
    @Override public Instance launchClone(ClonePlan plan, VmState clone, CpuShare share) {
        Domain def = definitionDomain();
        DomainXml defXml = xmlOf(def, XML_SECURE | XML_INACTIVE);
        rememberNormalShares(plan.fg());
        VmMetadata md = metadataOf(def).as(VmMetadata.CLONE, clone.generation());
        DomainXml x = GenerationXml.of(defXml, disks, plan.bg().value(), Optional.empty(), Optional.empty(), clone, md);
        GenerationXml.clone(x, disks, GenerationXml.serialLogBeside(defXml, plan.bg().value()), placement(), share == CpuShare.IDLE);
        Domain d = LibvirtCall.of("libvirt refused the clone domain " + plan.bg(), () -> host.conn().domainCreateXML(x.print(), START_PAUSED));
        DomainInstance bg = new DomainInstance(this, host, d, plan.bg().value());
        bg.resume();
        return bg;
    }

    /**
     * Before the switch: under TCG the clone rehearses the hot-plug (see {@link Rehearsal}), and
     * the switch is armed with what its hot-plug needs.
     */
    private void beforeSwitch(Instance clone) {
        DomainInstance c = (DomainInstance) clone;
        Handover.Plug plug = plugFor(c);
        try {
            Optional<Integer> bus = disks.persistent(definitionXml()).flatMap(d -> DomainXml.child(d.element(), "address"))
                    .filter(a -> "pci".equals(a.getAttribute("type"))).map(a -> Integer.decode(a.getAttribute("bus")));
            Path image = names.rehearsalDisk(layerDir(), c.name());
            host.files().delete(image);
            host.files().createRaw(image, Rehearsal.size());
            if (Rehearsal.run(c, image, bus).isEmpty()) {
                host.files().delete(image);
            }
        } finally {
            handover.arm(plug);
        }
    }

    /** After the switch: the background destroy is awaited and the rehearsal disk unplugged and deleted. */
    private void afterSwitch(Instance serving) {
        handover.settle();
        DomainInstance s = (DomainInstance) serving;
        Rehearsal.remove(s); // also one a crashed bgreboot left
        host.files().delete(names.rehearsalDisk(layerDir(), s.name()));
    }

    /**
     * The clone is the VM: its live metadata says so, and it becomes the VM's persistent
     * definition, made from the old one with the new layers and kernel, keeping the clone's name,
     * UUID and generation id (autostart carried over). The old definition goes in {@link #forget}.
     */
    @Override public void promote(Instance instance, VmState s) {
        DomainInstance d = (DomainInstance) instance;
        Domain def = definitionDomain();
        DomainXml defXml = xmlOf(def, XML_SECURE | XML_INACTIVE);
        VmMetadata md = metadataOf(def).as(VmMetadata.SERVING, s.generation());
        Virt.setMetadata(d.domain(), md.toPlainXml(), VmMetadata.PREFIX, VmMetadata.NS, Virt.AFFECT_LIVE);
        DomainXml live = d.liveXml();
        DomainXml x = GenerationXml.of(defXml, disks, d.name(), live.uuid(), live.genid(), s, md);
        live.serialLog().ifPresent(log -> GenerationXml.serialLog(x, Path.of(log))); // a cold boot logs where this generation did
        Domain defined = LibvirtCall.of("cannot make domain " + d.name() + " the persistent definition of VM " + spec.name(),
                () -> host.conn().domainDefineXML(x.print()));
        state.create();
        state.writeState(s); // bgreboot's own record (libvirt's definition is the truth)
        if (!nameOf(def).equals(d.name())) {
            carryAutostart(def, defined);
        }
    }

    /**
     * An old generation's definition goes once a newer one is the VM's, and its serial log with it;
     * a domain that runs, or is the VM's definition, stays.
     */
    @Override public void forget(InstanceId id) {
        Optional<Domain> d = host.lookup(id.value());
        if (d.isPresent() && active(d.get())) {
            return;
        }
        if (d.isEmpty() || !persistent(d.get())) {
            // a clone that ended: its log was kept beside the journal if it told anything; its rehearsal disk goes too
            deleteSerialLog(id.value());
            if (names.isGeneration(id.value()) && !id.value().equals(names.firstDomain())) {
                host.files().delete(names.rehearsalDisk(layerDir(), id.value()));
            }
            return;
        }
        if (!belongs(d.get(), id.value())) {
            return;
        }
        int gen = Host.metadata(d.get(), Virt.AFFECT_CONFIG).map(VmMetadata::generation).orElse(0);
        boolean newer = mine().stream().anyMatch(e -> e.persistent() && !e.name().equals(id.value())
                && e.metadata().map(VmMetadata::generation).orElse(0) > gen);
        if (newer) {
            LibvirtCall.run("cannot undefine the old definition " + id, () -> d.get().undefine());
            deleteSerialLog(id.value());
        }
    }

    /** Where generation {@code domain} of the VM writes its serial log (none for the first domain: the user's). */
    Optional<Path> serialLogOf(String domain) {
        return domain.equals(names.firstDomain()) ? Optional.empty() : GenerationXml.serialLogBeside(definitionXml(), domain);
    }

    private void deleteSerialLog(String domain) {
        if (!names.isGeneration(domain) || domain.equals(names.firstDomain())) {
            return;
        }
        try {
            serialLogOf(domain).ifPresent(host.files()::delete);
        } catch (RuntimeException e) {
            log.debug("cannot delete the serial log of {}: {}", domain, e.toString());
        }
    }

    /** Domains of the VM beside the serving one, old definitions, and layer files no generation uses. */
    List<String> leftovers() {
        List<String> left = new ArrayList<>();
        Optional<DomainInstance> serving = servingDomain();
        String current = nameOf(definitionDomain());
        for (Host.DomainEntry e : mine()) {
            if (e.active() && serving.map(s -> !s.name().equals(e.name())).orElse(true)) {
                left.add("domain " + e.name() + " of VM " + spec.name() + " runs beside the serving one");
            } else if (!e.active() && !e.name().equals(current)) {
                left.add("an old definition of VM " + spec.name() + ": domain " + e.name());
            }
        }
        List<String> used = new ArrayList<>();
        for (DomainInstance r : running()) {
            disks.system(r.liveXml()).forEach(d -> used.addAll(d.layers()));
        }
        disks.system(definitionXml()).forEach(d -> used.add(d.source()));
        Path dir = layerDir();
        for (String f : host.files().list(dir)) {
            if (names.ours(f) && !used.contains(dir.resolve(f).toString())) {
                left.add("file " + dir.resolve(f) + " that no generation of " + spec.name() + " uses");
            }
        }
        return left;
    }

    // ---- for the engine's own classes ----------------------------------------------------------

    Host host() {
        return host;
    }

    /** Whether the clone announces its MAC at the switch (a bridged VM whose spec does not say announce = "none"). */
    boolean announces() {
        return spec.network().bridged() && spec.libvirt().map(VmSpec.LibvirtDomain::announce).orElse(true);
    }

    DomainDisks disks() {
        return disks;
    }

    Generations names() {
        return names;
    }

    Handover handover() {
        return handover;
    }

    synchronized CpuPlacement placement() {
        if (placement == null) {
            placement = new CpuPlacement(host.cpus());
        }
        return placement;
    }

    /** The CPU weight the VM's domains run with: the serving domain's, remembered when the clone was launched. */
    long normalShares() {
        Long s = normalShares;
        if (s != null) {
            return s;
        }
        return DomainXml.child(definitionXml().root(), "cputune").flatMap(t -> DomainXml.text(t, "shares")).map(Long::parseLong).orElse(DEFAULT_SHARES);
    }

    private void rememberNormalShares(InstanceId fg) {
        host.lookup(fg.value()).ifPresent(d -> {
            try {
                for (SchedParameter p : d.getSchedulerParameters()) {
                    if (p.field.equals("cpu_shares")) {
                        normalShares = Long.parseLong(p.getValueAsString());
                    }
                }
            } catch (LibvirtException | NumberFormatException e) {
                log.debug("cpu_shares of {} unknown: {}", fg, e.toString());
            }
        });
    }

    Optional<DomainXml.Disk> persistentDiskOf(DomainXml x) {
        return disks.persistent(x);
    }

    /**
     * Gives {@code clone} the persistent disk as the VM's definition has it (same address, same
     * serial). By the guest contract nothing in the clone uses the disk before the attach hook
     * starts it (the demo service answers 503 to writes until it is mounted).
     */
    DiskHandover plugInto(DomainInstance clone) {
        return handover.plug(clone, () -> plugFor(clone));
    }

    private Handover.Plug plugFor(DomainInstance clone) {
        String diskXml = disks.persistent(definitionXml()).orElseThrow(() ->
                new LibvirtFailure("VM " + spec.name() + "'s definition lost its persistent disk")).xml();
        List<DomainInstance> holders = new ArrayList<>();
        for (DomainInstance r : running()) {
            if (!r.name().equals(clone.name()) && r.persistentDiskPlugged()) {
                holders.add(r);
            }
        }
        return new Handover.Plug(diskXml, holders);
    }

    Instance saveAndRestore(DomainInstance clone) {
        Path file = names.savedState(layerDir(), clone.name());
        try {
            Virt.save(clone.domain(), file.toString());
            Virt.restore(host.conn(), file.toString());
            Domain d = host.lookup(clone.name()).orElseThrow(() -> new LibvirtFailure("domain " + clone.name() + " did not come back from its saved state"));
            return new DomainInstance(this, host, d, clone.name());
        } finally {
            try {
                host.files().delete(file);
            } catch (RuntimeException e) {
                log.debug("cannot delete {}: {}", file, e.toString());
            }
        }
    }

    /** Where the VM's layers go: beside its first system disk's current file. */
    Path layerDir() {
        return Path.of(disks.system(definitionXml()).get(0).source()).getParent();
    }

    DomainXml definitionXml() {
        return xmlOf(definitionDomain(), XML_SECURE | XML_INACTIVE);
    }

    /** A domain of the VM by name, running or not. */
    Optional<Domain> domainOf(String name) {
        return host.lookup(name).filter(d -> belongs(d, name));
    }

    DomainXml xmlOf(Domain d, int flags) {
        return DomainXml.parse(LibvirtCall.of("cannot read a domain's XML", () -> d.getXMLDesc(flags)));
    }

    // ---- the VM's domains -----------------------------------------------------------------------

    /** The VM's domains on the host: those whose metadata names it, and its first domain while it has none. */
    private List<Host.DomainEntry> mine() {
        List<Host.DomainEntry> out = new ArrayList<>();
        for (Host.DomainEntry e : host.domains()) {
            if (e.metadata().map(m -> m.name().equals(spec.name())).orElse(e.name().equals(names.firstDomain()))) {
                out.add(e);
            }
        }
        return out;
    }

    /** The VM's persistent definition: its persistent domain of the highest generation. */
    Domain definitionDomain() {
        List<Host.DomainEntry> all = mine();
        Optional<Host.DomainEntry> def = all.stream().filter(Host.DomainEntry::persistent)
                .max(Comparator.comparingInt(e -> e.metadata().map(VmMetadata::generation).orElse(0)));
        if (def.isEmpty()) {
            Optional<Host.DomainEntry> first = host.domains().stream().filter(e -> e.name().equals(names.firstDomain())).findFirst();
            if (first.isPresent() && first.get().metadata().isPresent()) {
                throw new UserError("domain " + names.firstDomain() + " belongs to VM " + first.get().metadata().get().name()
                        + " (its bgreboot metadata says so), not to " + spec.name());
            }
            if (!all.isEmpty()) {
                throw new UserError("domain " + all.get(0).name() + " of VM " + spec.name() + " is transient: bgreboot needs a persistent definition "
                        + "(the next boot must boot the update): virsh dumpxml " + all.get(0).name() + " > vm.xml; virsh define vm.xml");
            }
            throw new UserError("no domain named " + names.firstDomain() + " on " + host.uri() + " (and none that bgreboot knows as VM " + spec.name()
                    + "): check the name ('virsh -c " + host.uri() + " list --all' lists them) and [libvirt] domain in " + spec.file());
        }
        return host.lookup(def.get().name()).orElseThrow(() -> new UserError("domain " + def.get().name() + " vanished from " + host.uri()));
    }

    private boolean belongs(Domain d, String name) {
        return Host.metadata(d, 0).map(m -> m.name().equals(spec.name())).orElse(name.equals(names.firstDomain()));
    }

    /** The metadata a domain of the VM gets: the VM's name and the spec it is run with now (the generation and role are set by the caller). */
    private VmMetadata metadataOf(Domain def) {
        String text = spec.libvirt().map(VmSpec.LibvirtDomain::specText).orElse("");
        return new VmMetadata(spec.name(), Host.metadata(def, Virt.AFFECT_CONFIG).map(VmMetadata::generation).orElse(0), VmMetadata.SERVING,
                text.isEmpty() ? Host.metadata(def, Virt.AFFECT_CONFIG).map(VmMetadata::spec).orElse("") : text);
    }

    /** The definitions of generations before {@code generation} that no longer run. */
    private void undefineOlder(int generation) {
        for (Host.DomainEntry e : mine()) {
            if (!e.active() && e.persistent() && e.metadata().map(VmMetadata::generation).orElse(0) < generation) {
                host.lookup(e.name()).ifPresent(d -> LibvirtCall.run("cannot undefine the old definition " + e.name(), d::undefine));
            }
        }
    }

    private static void carryAutostart(Domain from, Domain to) {
        try {
            if (from.getAutostart()) {
                to.setAutostart(true);
            }
        } catch (LibvirtException e) {
            throw new LibvirtFailure("cannot carry the VM's autostart over to its new definition", e);
        }
    }

    private Optional<String> uuidOf(Domain d) {
        try {
            return Optional.of(d.getUUIDString());
        } catch (LibvirtException e) {
            return Optional.empty();
        }
    }

    private static boolean active(Domain d) {
        try {
            return d.isActive() == 1;
        } catch (LibvirtException e) {
            return false;
        }
    }

    private static boolean persistent(Domain d) {
        try {
            return d.isPersistent() == 1;
        } catch (LibvirtException e) {
            return false;
        }
    }

    private String nameOf(Domain d) {
        return LibvirtCall.of("cannot read a domain's name", d::getName);
    }
}
