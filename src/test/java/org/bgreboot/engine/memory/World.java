package org.bgreboot.engine.memory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bgreboot.FaultPoint;
import org.bgreboot.UserError;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.VmState;

/**
 * What really exists, whoever looks and whichever bgreboot process asks: hosts and their memory,
 * every instance (alive or gone), which one holds each persistent disk's image, which one new
 * clients reach, the system disks' layers, each VM's serving pointer, and the writes clients had
 * acknowledged. The engine in memory ({@link MemoryEngine}) is a view of it through one process's
 * handles; tests script it ({@link Script}) and ask it whether the promises held.
 *
 * <p>Everything here happens under this object's lock, and time moves only as real time does:
 * a guest's boot ends when its boot time has passed, at the next look.
 */
public final class World {
    /** The layers and disks an instance has are found by path; the base images are outside every VM's layers. */
    static final class Layer {
        final Path path;
        final String vm;
        Path backing;
        final List<String> writes = new ArrayList<>();

        Layer(Path path, String vm, Path backing) {
            this.path = path;
            this.vm = vm;
            this.backing = backing;
        }
    }

    private static final class HostRecord {
        final long capacity;
        boolean reachable = true;
        int maxClones;

        HostRecord(long capacity) {
            this.capacity = capacity;
        }
    }

    private static final class VmRecord {
        final VmSpec spec;
        final String host;
        final Script script = new Script();
        /** The serving pointer: the instance that is the VM. */
        String current;
        /** A clone was launched since the VM last got a serving instance, and whether it ever came up. */
        boolean cloneLaunched;
        boolean cloneEverUp;
        int clonesLaunched;
        final List<Long> acked = new ArrayList<>();
        long seq;
        /** Each instance's writes to its system disk. */
        final Map<String, List<String>> systemWrites = new HashMap<>();
        boolean unavailable;
        /** Whether FG was armed for keeping state when the clone point was cut (the clone's system disk says so). */
        boolean keepArmedAtCut;

        VmRecord(VmSpec spec, String host) {
            this.spec = spec;
            this.host = host;
        }
    }

    private final Map<String, HostRecord> hosts = new LinkedHashMap<>();
    private final Map<String, VmRecord> vms = new LinkedHashMap<>();
    private final Map<String, Machine> machines = new LinkedHashMap<>();
    private final Map<Path, Layer> layers = new LinkedHashMap<>();
    /** Each persistent disk's image: the writes on it. */
    private final Map<Path, List<Long>> images = new HashMap<>();
    /** bgreboot-keep's images on each persistent disk, by service. */
    private final Map<Path, Map<String, KeepGuest.Images>> keepImages = new HashMap<>();
    private final List<String> events = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private int maxUnavailable;
    private int processes;

    // ---- set-up, for tests ------------------------------------------------------------------------

    public synchronized void host(String name, long capacityBytes) {
        hosts.put(name, new HostRecord(capacityBytes));
    }

    /** The host stops answering: every handle to it fails from now on. */
    public synchronized void hostDown(String name) {
        hosts.get(name).reachable = false;
        event(name + " stops answering");
    }

    /** The host answers again. */
    public synchronized void hostUp(String name) {
        hosts.get(name).reachable = true;
        event(name + " answers again");
    }

    public synchronized boolean reachable(String host) {
        HostRecord h = hosts.get(host);
        return h != null && h.reachable;
    }

    /** Memory a new instance could take on the host now: its capacity less what its running instances hold. */
    public synchronized long availableMemory(String host) {
        tick();
        HostRecord h = hosts.get(host);
        if (h == null || !h.reachable) {
            throw new IllegalStateException("host " + host + " does not answer");
        }
        return h.capacity - machines.values().stream().filter(m -> m.host.equals(host) && m.alive()).mapToLong(m -> m.memoryBytes).sum();
    }

    /** A VM lives on {@code host}; its persistent disk's image exists (empty) from now on. */
    public synchronized Script register(VmSpec spec, String host) {
        if (!hosts.containsKey(host)) {
            host(host, 64L << 30);
        }
        VmRecord r = new VmRecord(spec, host);
        vms.put(spec.name(), r);
        images.putIfAbsent(spec.persistentDisk().path(), new ArrayList<>());
        return r.script;
    }

    public synchronized Script script(String vm) {
        return record(vm).script;
    }

    public synchronized VmSpec spec(String vm) {
        return record(vm).spec;
    }

    public synchronized String hostOf(String vm) {
        return record(vm).host;
    }

    public synchronized List<String> vmsOn(String host) {
        return vms.values().stream().filter(r -> r.host.equals(host)).map(r -> r.spec.name()).toList();
    }

    public synchronized BgrebootProcess process() {
        return new BgrebootProcess("bgreboot-" + (++processes));
    }

    public MemoryEngine engine(String host, BgrebootProcess p) {
        return new MemoryEngine(this, host, p);
    }

    // ---- what tests do to it ----------------------------------------------------------------------

    /**
     * A client writes to the VM's service: answered by the instance new clients reach, acknowledged
     * only once it is on the persistent disk as that guest sees it (no write while the disk is not
     * mounted there, or frozen).
     */
    public synchronized boolean write(String vm) {
        tick();
        VmRecord r = record(vm);
        Optional<Machine> t = reached(vm);
        if (t.isEmpty() || !writable(t.get())) {
            return false;
        }
        Machine m = t.get();
        long seq = ++r.seq;
        m.guest.view.add(seq);
        images.put(m.disk, new ArrayList<>(m.guest.view)); // fsync: the guest's filesystem written out whole
        r.acked.add(seq);
        return true;
    }

    /** The serving instance writes to its system disk (logs, caches): its top layer takes it. */
    public synchronized void systemWrite(String vm) {
        tick();
        VmRecord r = record(vm);
        Machine m = r.current == null ? null : machines.get(key(vm, r.current));
        if (m == null || !m.alive() || !m.guest.up() || m.guest.frozen.contains("/")) {
            return;
        }
        List<String> mine = r.systemWrites.computeIfAbsent(m.id, k -> new ArrayList<>());
        String w = m.id + "#" + mine.size();
        layers.get(m.layers.get(0)).writes.add(w);
        mine.add(w);
    }

    /** How busy the serving instance's guest is, as a fraction of one CPU. */
    public synchronized void busy(String vm, double fraction) {
        tick();
        current(vm).ifPresent(m -> m.busy = fraction);
    }

    /** The instance's process ends by itself (its QEMU killed from outside, a crash of the hypervisor). */
    public synchronized void die(String vm, String id, String why) {
        tick();
        Machine m = machines.get(key(vm, id));
        if (m != null && m.alive()) {
            exit(m, why);
        }
        changed();
    }

    /** The instance serving the VM now, if one runs. */
    public synchronized Optional<String> serving(String vm) {
        tick();
        VmRecord r = record(vm);
        return Optional.ofNullable(r.current).filter(id -> machines.containsKey(key(vm, id)) && machines.get(key(vm, id)).alive());
    }

    /** Every instance of the VM that runs, by id. */
    public synchronized List<String> running(String vm) {
        tick();
        return live(vm).stream().map(m -> m.id).toList();
    }

    /** The clone launched last, by id (whatever became of it). */
    public synchronized int clonesLaunched(String vm) {
        return record(vm).clonesLaunched;
    }

    public synchronized List<Long> acked(String vm) {
        return List.copyOf(record(vm).acked);
    }

    /** What broke a promise, whenever it happened: two holders of one disk, FG stopped before its clone was ready... */
    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    public synchronized List<String> events() {
        return List.copyOf(events);
    }

    /** The most clones that ran at once on the host. */
    public synchronized int maxClonesAtOnce(String host) {
        return hosts.get(host).maxClones;
    }

    /** The most VMs at once whose clients could not write (from the network's move to the disk's mount). */
    public synchronized int maxUnavailableAtOnce() {
        return maxUnavailable;
    }

    public synchronized List<Double> ceilings(String vm, String id) {
        return List.copyOf(machines.get(key(vm, id)).ceilings);
    }

    public synchronized CpuShare share(String vm, String id) {
        return machines.get(key(vm, id)).share;
    }

    /** Whether the guest had its clock set by bgreboot. */
    public synchronized boolean clockSet(String vm, String id) {
        return machines.get(key(vm, id)).guest.clockSet;
    }

    /** A guest's console, as written so far. */
    public synchronized String console(String vm, String id) {
        return machines.get(key(vm, id)).guest.console.toString();
    }

    // ---- the promises -----------------------------------------------------------------------------

    /**
     * Why the VM is not served by exactly one instance as it should be: it runs, it is the serving
     * pointer, it is reached by new clients, it holds and mounts the persistent disk (unfrozen), no
     * other instance runs or holds the disk, and every acknowledged write is on the disk it sees.
     */
    public synchronized List<String> servingProblems(String vm) {
        tick();
        VmRecord r = record(vm);
        List<String> p = new ArrayList<>();
        List<Machine> live = live(vm);
        if (live.size() != 1) {
            p.add(live.size() + " instances run: " + live);
            return p;
        }
        Machine m = live.get(0);
        if (!m.id.equals(r.current)) {
            p.add(m + " runs but the serving pointer names " + r.current);
        }
        if (m.state != Machine.State.RUNNING || !m.guest.up()) {
            p.add(m + " is " + m.state + ", its guest " + m.guest.status);
        }
        if (!m.owns || !m.linkUp || m.handedOver) {
            p.add(m + " is not reached by new clients (owns " + m.owns + ", link " + m.linkUp + ", handed over " + m.handedOver + ")");
        }
        if (!m.opened || !m.attached || !m.guest.dataMounted) {
            p.add(m + " does not have the persistent disk (open " + m.opened + ", attached " + m.attached + ", mounted " + m.guest.dataMounted + ")");
        }
        if (!m.guest.frozen.isEmpty()) {
            p.add(m + " is frozen: " + m.guest.frozen);
        }
        if (m.clone) {
            p.add(m + " is still a clone (never promoted)");
        }
        machines.values().stream().filter(o -> o != m && o.disk != null && o.disk.equals(m.disk) && o.holdsImage())
                .forEach(o -> p.add(o + " still holds the persistent disk"));
        List<Long> image = images.getOrDefault(m.disk, List.of());
        List<Long> lost = r.acked.stream().filter(s -> !image.contains(s) || !m.guest.view.contains(s)).toList();
        if (!lost.isEmpty()) {
            p.add(lost.size() + " of " + r.acked.size() + " acknowledged writes lost: " + lost);
        }
        if (!m.disk.equals(r.spec.persistentDisk().path())) {
            p.add(m + " has the persistent disk " + m.disk + ", not the VM's " + r.spec.persistentDisk().path());
        }
        return p;
    }

    /** The VM's serving instance as it is now: what an abort must leave exactly so. */
    public synchronized Fg snapshot(String vm) {
        tick();
        VmRecord r = record(vm);
        Machine m = machines.get(key(vm, r.current));
        return new Fg(vm, m.id, List.copyOf(m.layers), vmLayers(vm), m.disk, m.share);
    }

    /** Why FG is not exactly as it was at {@code before}: the same instance, its layers and every write to them, its network, its disk, unfrozen. */
    public synchronized List<String> changedSince(Fg before) {
        List<String> p = new ArrayList<>(servingProblems(before.vm()));
        VmRecord r = record(before.vm());
        Machine m = machines.get(key(before.vm(), before.id()));
        if (m == null || !m.alive()) {
            p.add("FG " + before.id() + " is gone");
            return p;
        }
        if (!before.id().equals(r.current)) {
            p.add("another instance serves: " + r.current);
        }
        if (!m.layers.equals(before.layers())) {
            p.add("FG writes to " + m.layers + ", not " + before.layers());
        }
        Set<Path> now = vmLayers(before.vm());
        if (!now.equals(before.allLayers())) {
            p.add("the VM's layers are " + now + ", were " + before.allLayers());
        }
        List<String> chain = chainWrites(m.layers.get(0));
        List<String> missing = r.systemWrites.getOrDefault(m.id, List.of()).stream().filter(w -> !chain.contains(w)).toList();
        if (!missing.isEmpty()) {
            p.add("FG's system-disk writes lost: " + missing);
        }
        if (m.share != before.share()) {
            p.add("FG runs at " + m.share + ", was " + before.share());
        }
        return p;
    }

    /** The system-disk writes instance {@code writer} made that the serving instance's layers do not hold. */
    public synchronized List<String> systemWritesMissing(String vm, String writer) {
        tick();
        VmRecord r = record(vm);
        Machine m = machines.get(key(vm, r.current));
        List<String> chain = m == null ? List.of() : chainWrites(m.layers.get(0));
        return r.systemWrites.getOrDefault(writer, List.of()).stream().filter(w -> !chain.contains(w)).toList();
    }

    /** FG before a reboot. */
    public record Fg(String vm, String id, List<Path> layers, Set<Path> allLayers, Path disk, CpuShare share) {}

    // ---- the engine's side: instances ---------------------------------------------------------------

    /** A handle's first move: its process lives and its host answers. */
    void enter(BgrebootProcess p, String host) {
        p.check();
        if (!reachable(host)) {
            throw new IllegalStateException("host " + host + " does not answer");
        }
    }

    synchronized Optional<Machine> machine(String vm, String id) {
        tick();
        return Optional.ofNullable(machines.get(key(vm, id)));
    }

    synchronized Optional<Machine> current(String vm) {
        tick();
        VmRecord r = record(vm);
        return Optional.ofNullable(r.current).map(id -> machines.get(key(vm, id))).filter(Machine::alive);
    }

    synchronized List<Machine> live(String vm) {
        tick();
        return machines.values().stream().filter(m -> m.vm.equals(vm) && m.alive()).toList();
    }

    synchronized Machine coldBoot(VmSpec spec, VmState state) {
        tick();
        VmRecord r = record(spec.name());
        point("memory:cold-boot");
        current(spec.name()).ifPresent(m -> {
            throw new UserError("VM " + spec.name() + " runs already (" + m + ")");
        });
        requireLayers(state.systemOverlays());
        Path disk = state.persistentDiskOr(spec).path();
        lock(disk, null);
        // as the embedded engine's cold boot removes the runtime files of gone processes
        machines.values().removeIf(o -> o.vm.equals(spec.name()) && !o.alive() && !o.holdsImage());
        String id = "g" + state.generation();
        Machine old = machines.get(key(spec.name(), id));
        if (old != null && old.alive()) {
            throw new IllegalStateException(old + " runs already");
        }
        Machine m = new Machine(spec.name(), id, r.host, spec.memory().bytes(), state.generation());
        m.layers = List.copyOf(state.systemOverlays());
        m.disk = disk;
        m.opened = true;
        m.attached = true;
        m.linkUp = true;
        m.owns = true;
        m.busy = r.script.fgBusy;
        machines.put(key(spec.name(), id), m);
        r.current = id;
        r.cloneLaunched = false;
        boot(m, r.script.nextColdBootFate(), r.script.bootMs);
        event("cold boot of " + m + " from " + state.systemOverlays());
        changed();
        return m;
    }

    synchronized Machine launchClone(VmSpec spec, ClonePlan plan, VmState state, CpuShare share) {
        tick();
        VmRecord r = record(spec.name());
        point("memory:launch");
        requireLayers(state.systemOverlays());
        String id = plan.bg().value();
        Machine old = machines.get(key(spec.name(), id));
        if (old != null && old.alive()) {
            throw new IllegalStateException("the clone " + old + " runs already");
        }
        Machine m = new Machine(spec.name(), id, r.host, spec.memory().bytes(), state.generation());
        m.clone = true;
        m.layers = List.copyOf(state.systemOverlays());
        m.disk = state.persistentDiskOr(spec).path();
        m.placeholder = spec.switchPolicy().disk() == VmSpec.SwitchPolicy.DiskHandover.SWAP;
        m.share = share;
        m.guest.keepArmed = r.keepArmedAtCut;
        machines.put(key(spec.name(), id), m);
        r.cloneLaunched = true;
        r.cloneEverUp = false;
        r.clonesLaunched++;
        event("clone " + m + " launched paused, isolated");
        changed();
        point("memory:launch-paused");
        boot(m, r.script.nextCloneFate(), r.script.bootMs);
        changed();
        return m;
    }

    private void boot(Machine m, Fate fate, long bootMs) {
        m.state = Machine.State.RUNNING;
        m.guest.fate = fate;
        m.guest.status = Guest.Status.BOOTING;
        m.guest.upAtNanos = fate == Fate.HANGS ? Long.MAX_VALUE : System.nanoTime() + bootMs * 1_000_000;
        m.guest.console.append("Linux version 6.1.0 (generation ").append(m.generation).append(")\n");
        tick();
    }

    synchronized void kill(Machine m) {
        tick();
        point("memory:kill");
        if (!m.alive()) {
            return;
        }
        VmRecord r = record(m.vm);
        if (m.id.equals(r.current) && r.cloneLaunched && !r.cloneEverUp) {
            violation("the serving instance " + m + " was stopped before any clone of it was ready");
        }
        exit(m, "killed");
        changed();
    }

    synchronized void resume(Machine m) {
        tick();
        if (m.state == Machine.State.PAUSED && m.guest.status != Guest.Status.PANICKED) {
            m.state = Machine.State.RUNNING;
        }
    }

    synchronized boolean powerOff(Machine m) {
        tick();
        if (!m.alive()) {
            return false;
        }
        m.powerOffAsked = true;
        tick();
        return true;
    }

    synchronized void promote(Machine m) {
        tick();
        point("memory:promote");
        VmRecord r = record(m.vm);
        r.current = m.id;
        r.cloneLaunched = false;
        m.clone = false;
        event(m + " is the VM");
        changed();
    }

    /** The remains of a gone instance; one that runs, or still holds its disk, is left as it is. */
    synchronized void forget(String vm, String id) {
        tick();
        Machine m = machines.get(key(vm, id));
        if (m == null || m.alive() || m.holdsImage()) {
            return;
        }
        point("memory:forget");
        m.forgotten = true;
        machines.remove(key(vm, id));
        VmRecord r = record(vm);
        if (id.equals(r.current)) {
            r.current = null;
        }
        changed();
    }

    synchronized Machine saveAndRestore(Machine clone) {
        tick();
        point("memory:save");
        if (!clone.alive()) {
            throw new IllegalStateException(clone + " is gone");
        }
        Guest saved = clone.guest;
        exit(clone, "saved and ended");
        changed();
        point("memory:saved");
        Machine m = new Machine(clone.vm, clone.id + "-restored", clone.host, clone.memoryBytes, clone.generation);
        m.clone = true;
        m.layers = clone.layers;
        m.disk = clone.disk;
        m.placeholder = clone.placeholder;
        m.share = clone.share;
        m.guest.status = saved.status;
        m.guest.fate = saved.fate;
        m.guest.upAtNanos = saved.upAtNanos;
        m.guest.everUp = saved.everUp;
        m.guest.bootId = saved.bootId;
        m.guest.keepArmed = saved.keepArmed;
        m.guest.keepGuarded = saved.keepGuarded;
        m.guest.console.append(saved.console);
        m.state = Machine.State.RUNNING;
        machines.put(key(m.vm, m.id), m);
        machines.remove(key(clone.vm, clone.id)); // its saved state lives on in the restored one
        event(clone + " saved and restored as " + m);
        changed();
        return m;
    }

    // ---- the persistent disk ------------------------------------------------------------------------

    /** Refuses (as an image lock would) when another process holds the image; a live holder is a broken promise too. */
    private void lock(Path disk, Machine taker) {
        for (Machine o : machines.values()) {
            if (o != taker && disk.equals(o.disk) && o.holdsImage()) {
                if (o.alive()) {
                    violation("the persistent disk " + disk + " was given to " + (taker == null ? "a new instance" : taker)
                            + " while " + o + " runs with it");
                }
                throw new IllegalStateException("Failed to get \"write\" lock on " + disk + ": " + o + " holds it");
            }
        }
    }

    synchronized DiskHandover take(Machine m) {
        tick();
        point("memory:disk-take");
        if (!m.alive()) {
            throw new IllegalStateException(m + " is gone");
        }
        if (m.attached) {
            return m.placeholder ? DiskHandover.SWAP : DiskHandover.HOT_PLUG;
        }
        if (!m.opened) {
            lock(m.disk, m);
            m.opened = true;
            event(m + " opened " + m.disk);
            point("memory:disk-opened");
        }
        m.attached = true;
        event(m + " has the persistent disk");
        tick();
        changed();
        return m.placeholder ? DiskHandover.SWAP : DiskHandover.HOT_PLUG;
    }

    /** Whether a killed instance has let go of its image; throws when it never will. */
    synchronized boolean released(Machine m) {
        tick();
        if (m.alive()) {
            throw new IllegalStateException(m + " still runs: the persistent disk stays where it is");
        }
        if (!m.holdsImage()) {
            m.opened = false;
            return true;
        }
        if (m.releaseAtNanos == Long.MAX_VALUE) {
            throw new IllegalStateException(m + " still holds " + m.disk + " after its kill: the persistent disk stays where it is");
        }
        return false;
    }

    // ---- the network --------------------------------------------------------------------------------

    synchronized void isolate(Machine m) {
        tick();
        m.linkUp = false;
        m.owns = false;
        changed();
    }

    /** The clone's link comes up and its guest is waited for until it sends, while FG still serves (the real engines' user networking). */
    synchronized String linkUp(Machine m) {
        tick();
        point("memory:link-up");
        if (live(m.vm).stream().anyMatch(o -> o != m && o.owns && o.handedOver)) {
            violation(m + "'s link came up after FG had handed the network over: clients met the guest taking its carrier");
        }
        m.linkUp = true;
        event(m + "'s link is up, its guest sends");
        changed();
        return "up, in memory";
    }

    synchronized void takeNetwork(Machine m) {
        tick();
        point("memory:take-network");
        if (m.clone && !m.guest.everUp) {
            violation("the clone " + m + " was given the network before it was ever ready");
        }
        if (m.clone && !m.linkUp) { // a clone's link is down from its launch until linkUp
            violation("the clone " + m + " was given the network before its guest had taken the carrier: its first answers would be dropped");
        }
        for (Machine o : live(m.vm)) {
            if (o != m && o.owns && !o.handedOver) {
                violation(m + " took the network while " + o + " still had it");
                throw new IllegalStateException("port in use: " + o + " has the VM's network identity");
            }
        }
        for (Machine o : machines.values()) {
            if (o != m && o.vm.equals(m.vm)) {
                o.owns = false;
            }
        }
        m.linkUp = true;
        m.owns = true;
        m.handedOver = false;
        event(m + " has the network");
        changed();
    }

    synchronized void handOver(Machine m) {
        tick();
        point("memory:hand-over");
        m.handedOver = true;
        event(m + " hands the network over");
        changed();
    }

    synchronized void releaseNetwork(Machine m) {
        tick();
        point("memory:release-network");
        m.linkUp = false;
        m.owns = false;
        changed();
    }

    // ---- CPU ----------------------------------------------------------------------------------------

    synchronized void share(Machine m, CpuShare s) {
        tick();
        m.share = s;
    }

    synchronized void ceiling(Machine m, double fraction) {
        tick();
        m.ceilings.add(fraction);
    }

    synchronized long usedNanos(Machine m) {
        return (long) ((System.nanoTime() - m.startedNanos) * m.busy);
    }

    // ---- the system disks' layers -------------------------------------------------------------------

    synchronized void createLayer(String vm, Path path, Path backing) {
        layers.putIfAbsent(path, new Layer(path, vm, backing));
    }

    synchronized void deleteLayer(Path path) {
        layers.remove(path);
    }

    synchronized boolean layerExists(Path path) {
        return layers.containsKey(path);
    }

    /** The layers from {@code top} down, the base image (outside every VM's layers) last. */
    synchronized List<Path> chain(Path top) {
        List<Path> c = new ArrayList<>();
        for (Path p = top; p != null; p = layers.containsKey(p) ? layers.get(p).backing : null) {
            c.add(p);
        }
        return c;
    }

    private List<String> chainWrites(Path top) {
        List<String> all = new ArrayList<>();
        for (Path p : chain(top)) {
            Layer l = layers.get(p);
            if (l != null) {
                all.addAll(l.writes);
            }
        }
        return all;
    }

    private Set<Path> vmLayers(String vm) {
        Set<Path> s = new LinkedHashSet<>();
        layers.values().stream().filter(l -> l.vm.equals(vm)).forEach(l -> s.add(l.path));
        return s;
    }

    synchronized void prepareScratch(Machine fg, ClonePlan plan) {
        tick();
        point("memory:prepare");
        for (int i = 0; i < plan.fgScratch().size(); i++) {
            createLayer(fg.vm, plan.fgScratch().get(i), plan.fgOverlays().get(i));
        }
    }

    /** Every system disk of FG onto its scratch layer at one instant. */
    synchronized void cut(Machine fg, ClonePlan plan) {
        tick();
        point("memory:cut");
        requireLayers(plan.fgScratch());
        List<Path> now = new ArrayList<>(fg.layers);
        for (int i = 0; i < now.size(); i++) {
            if (now.get(i).equals(plan.fgOverlays().get(i))) {
                now.set(i, plan.fgScratch().get(i));
            }
        }
        fg.layers = List.copyOf(now);
        fg.cutDone = true;
        record(fg.vm).keepArmedAtCut = fg.guest.keepArmed;
        event(fg + " cut onto " + fg.layers);
    }

    /** Whether the clone point was cut under this instance (what a look at dpkg after the cut sees). */
    synchronized boolean cutDone(Machine m) {
        return m.cutDone;
    }

    synchronized void createCloneDisks(String vm, ClonePlan plan) {
        tick();
        point("memory:clone-disks");
        for (int i = 0; i < plan.bgOverlays().size(); i++) {
            createLayer(vm, plan.bgOverlays().get(i), plan.fgOverlays().get(i));
        }
    }

    synchronized void deleteCloneDisks(ClonePlan plan) {
        tick();
        point("memory:delete-clone-disks");
        plan.bgOverlays().forEach(layers::remove);
    }

    /** FG back on its own layers with every write it made since the cut; its scratch layers gone. */
    synchronized void undoCut(Machine fg, ClonePlan plan) {
        tick();
        point("memory:undo");
        List<Path> now = new ArrayList<>(fg.layers);
        for (int i = 0; i < now.size(); i++) {
            Path scratch = plan.fgScratch().get(i);
            if (now.get(i).equals(scratch)) {
                layers.get(plan.fgOverlays().get(i)).writes.addAll(layers.get(scratch).writes); // the commit
                now.set(i, plan.fgOverlays().get(i));
                fg.layers = List.copyOf(now);
                point("memory:undo-committed");
            }
        }
        plan.fgScratch().forEach(layers::remove);
    }

    /** The new top keeps everything below it that is the VM's own; the old generation's layers go. */
    synchronized void retire(String vm, ClonePlan plan, Path base) {
        tick();
        point("memory:retire");
        for (Path top : plan.bgOverlays()) {
            Layer t = layers.get(top);
            if (t == null) {
                continue;
            }
            List<Path> below = chain(top).stream().skip(1).filter(layers::containsKey).toList();
            List<String> merged = new ArrayList<>();
            for (int i = below.size() - 1; i >= 0; i--) {
                merged.addAll(layers.get(below.get(i)).writes);
            }
            merged.addAll(t.writes);
            t.writes.clear();
            t.writes.addAll(merged);
            t.backing = chain(top).get(chain(top).size() - 1);
            point("memory:retire-streamed");
            below.forEach(layers::remove);
        }
        plan.fgOverlays().forEach(layers::remove);
        plan.fgScratch().forEach(layers::remove);
    }

    private void requireLayers(List<Path> needed) {
        for (Path p : needed) {
            if (!layers.containsKey(p)) {
                throw new IllegalStateException("the layer " + p + " does not exist");
            }
        }
    }

    /** What should not be there when no reboot is under way. */
    synchronized List<String> leftovers(String vm, List<Path> servingLayers) {
        tick();
        VmRecord r = record(vm);
        List<String> found = new ArrayList<>();
        for (Machine m : machines.values()) {
            if (!m.vm.equals(vm)) {
                continue;
            }
            if (m.alive() && !m.id.equals(r.current)) {
                found.add("instance " + m + " besides the serving one");
            } else if (!m.alive()) {
                found.add("the remains of " + m + " (" + m.exitWhy + ")");
            }
        }
        Set<Path> chain = new LinkedHashSet<>();
        servingLayers.forEach(l -> chain.addAll(chain(l)));
        vmLayers(vm).stream().filter(l -> !chain.contains(l)).forEach(l -> found.add("layer " + l + " outside the serving chain"));
        return found;
    }

    // ---- the guest ----------------------------------------------------------------------------------

    synchronized Guest guest(Machine m) {
        tick();
        return m.guest;
    }

    /** The persistent disk's image as it is now (what a mount sees). */
    List<Long> image(Path disk) {
        return images.computeIfAbsent(disk, d -> new ArrayList<>());
    }

    Script scriptOf(Machine m) {
        return record(m.vm).script;
    }

    boolean isCurrent(Machine m) {
        return m.id.equals(record(m.vm).current);
    }

    // ---- time and bookkeeping -----------------------------------------------------------------------

    /** Lets time act: boots that are over end as scripted, programs in guests move on, killed processes let go. */
    synchronized void tick() {
        long now = System.nanoTime();
        for (Machine m : new ArrayList<>(machines.values())) {
            if (!m.alive()) {
                continue;
            }
            Guest g = m.guest;
            if (m.powerOffAsked && !scriptOf(m).ignoresPowerOff) {
                g.status = Guest.Status.DOWN;
                exit(m, "the guest powered off");
                continue;
            }
            if (m.state == Machine.State.RUNNING && g.status == Guest.Status.BOOTING && now >= g.upAtNanos) {
                switch (g.fate) {
                    case BOOTS, NOT_READY -> up(m);
                    case PANICS -> { // a clone stays paused where it panicked; a serving instance shuts down (QEMU's default)
                        g.console.append("Kernel panic - not syncing: Attempted to kill init!\n");
                        g.status = Guest.Status.PANICKED;
                        if (m.clone) {
                            m.state = Machine.State.PAUSED;
                            event(m + " panicked");
                        } else {
                            exit(m, "the guest panicked");
                        }
                    }
                    case DIES -> exit(m, "its process exited");
                    case SHUTS_DOWN -> {
                        g.console.append("reboot: Power down\n");
                        g.status = Guest.Status.DOWN;
                        exit(m, "the guest shut down");
                    }
                    case HANGS -> { }
                }
            }
            if (m.state == Machine.State.RUNNING && g.up()) {
                for (Guest.GuestProcess p : new ArrayList<>(g.processes.values())) {
                    if (p.exit == null) {
                        p.exit = p.program.look(m, p).orElse(null);
                    }
                }
            }
        }
        changed();
    }

    private void up(Machine m) {
        Guest g = m.guest;
        g.status = Guest.Status.UP;
        g.everUp = true;
        if (m.attached) { // fstab: the persistent disk is mounted at boot when it is there
            mount(m);
        }
        g.console.append(m.vm).append(" login: ").append(GuestPaths.READY_LINE).append("\n");
        VmRecord r = record(m.vm);
        if (m.clone) {
            r.cloneEverUp = true;
        }
        event(m + " is up");
        changed();
    }

    void mount(Machine m) {
        m.guest.dataMounted = true;
        m.guest.view = new ArrayList<>(image(m.disk));
        KeepGuest.mounted(this, m);
    }

    /** bgreboot-keep's images on the persistent disk {@code m} has, by service. */
    Map<String, KeepGuest.Images> keepImages(Machine m) {
        return keepImages.computeIfAbsent(m.disk, d -> new java.util.LinkedHashMap<>());
    }

    /** A restore brought {@code svc} back in {@code m}: the same processes must not also run on elsewhere. */
    void restoredKept(Machine m, KeepGuest.Service svc) {
        for (Machine o : live(m.vm)) {
            KeepGuest.Service other = o == m ? null : o.guest.services.get(svc.name);
            if (other != null && other.identity.equals(svc.identity) && !other.stopped) {
                violation(svc.name + " was restored in " + m + " while its processes ran on in " + o);
            }
        }
    }

    /** A kept service as one instance runs it. */
    public record KeptProcess(String instance, long pid, String identity, boolean restored, boolean stopped) {}

    /** The kept service {@code name} in the VM's serving instance. */
    public synchronized Optional<KeptProcess> keptService(String vm, String name) {
        tick();
        return current(vm).flatMap(m -> Optional.ofNullable(m.guest.services.get(name))
                .map(s -> new KeptProcess(m.id, s.pid, s.identity, s.restored, s.stopped)));
    }

    /**
     * What is wrong with the VM's kept services when no reboot is under way: each runs exactly once,
     * in the serving instance, and not stopped; no images are left on the persistent disk; no
     * instance is armed for a switch that is over.
     */
    public synchronized List<String> keepProblems(String vm) {
        tick();
        VmRecord r = record(vm);
        List<String> p = new ArrayList<>();
        if (r.script.keptServices == null) {
            return p;
        }
        Optional<Machine> serving = current(vm);
        for (String n : r.script.keptServices) {
            KeepGuest.Service s = serving.map(m -> m.guest.services.get(n)).orElse(null);
            if (s == null) {
                p.add(n + " does not run in the serving instance");
            } else if (s.stopped) {
                p.add(n + " is left stopped in " + serving.get());
            }
            for (Machine o : live(vm)) {
                if (serving.isPresent() && o != serving.get() && o.guest.services.containsKey(n)) {
                    p.add(n + " runs in " + o + " too");
                }
            }
        }
        keepImages.getOrDefault(r.spec.persistentDisk().path(), Map.of()).forEach((n, img) -> {
            if (!img.empty()) {
                p.add("images of " + n + " are left on the persistent disk");
            }
        });
        live(vm).stream().filter(m -> m.guest.keepArmed).forEach(m -> p.add(m + " is left armed for keeping state"));
        return p;
    }

    /** The instance's process is gone: its guest with it, its image let go of now or later. */
    private void exit(Machine m, String why) {
        m.state = Machine.State.DEAD;
        m.exitWhy = why;
        m.linkUp = false;
        m.owns = false;
        m.guest.processes.clear();
        m.guest.services.clear();
        Script s = scriptOf(m);
        m.releaseAtNanos = s.diskNeverReleased ? Long.MAX_VALUE : System.nanoTime() + s.lingerMs * 1_000_000;
        event(m + " ended: " + why);
        changed();
    }

    /** Recounts what tests bound: clones at once per host, VMs whose clients cannot write. */
    private void changed() {
        Map<String, Integer> clones = new TreeMap<>();
        for (Machine m : machines.values()) {
            if (m.alive() && m.clone) {
                clones.merge(m.host, 1, Integer::sum);
            }
        }
        clones.forEach((h, n) -> hosts.get(h).maxClones = Math.max(hosts.get(h).maxClones, n));
        int unavailable = 0;
        for (VmRecord r : vms.values()) {
            Optional<Machine> t = reached(r.spec.name());
            r.unavailable = t.isEmpty() || !writable(t.get());
            if (r.unavailable && r.current != null) {
                unavailable++;
            }
        }
        maxUnavailable = Math.max(maxUnavailable, unavailable);
    }

    /** The instance new clients of the VM reach. */
    private Optional<Machine> reached(String vm) {
        return machines.values().stream().filter(m -> m.vm.equals(vm) && m.alive() && m.owns && m.linkUp && !m.handedOver
                && m.state == Machine.State.RUNNING).findFirst();
    }

    private static boolean writable(Machine m) {
        return m.guest.up() && m.guest.dataMounted && m.opened && m.attached && !m.guest.frozen.contains("/data");
    }

    /** The engine's own fault points: {@code memory:<operation>}, for a test to kill bgreboot or refuse there. */
    static void point(String name) {
        FaultPoint.reach(name);
    }

    void violation(String what) {
        violations.add(what);
        event("VIOLATION: " + what);
    }

    void event(String what) {
        events.add(what);
    }

    private VmRecord record(String vm) {
        VmRecord r = vms.get(vm);
        if (r == null) {
            throw new IllegalStateException("no VM " + vm + " in this world");
        }
        return r;
    }

    private static String key(String vm, String id) {
        return vm + "/" + id;
    }
}
