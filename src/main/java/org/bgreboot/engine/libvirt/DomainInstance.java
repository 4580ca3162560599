package org.bgreboot.engine.libvirt;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.bgreboot.Sleep;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.Console;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.LifecycleWatch;
import org.bgreboot.engine.PowerOffRequest;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.LibvirtException;

/**
 * One running domain of a VM, an {@link Instance} of the libvirt engine: found again by its name,
 * on a new connection too. Everything it changes goes through libvirt's API, so libvirt's view of
 * the domain stays true. Its network, CPU and persistent disk are roles of their own
 * ({@link DomainNetwork}, {@link DomainCpu}, {@link DomainDisk}). Closing it closes nothing of the domain.
 */
final class DomainInstance implements Instance {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DomainInstance.class);
    static final int DEVICE_LIVE = 1;
    private static final int XML_SECURE = 1;

    private final DomainContext ctx;
    private final DomainRef ref;
    private final DomainNetwork network;
    private final DomainCpu cpu;
    private final DomainDisk disk;
    private GuestAgent agent;

    DomainInstance(DomainContext ctx, Domain domain, String name) {
        this.ctx = ctx;
        this.ref = new DomainRef(ctx.host(), name, domain);
        this.network = new DomainNetwork(this, ctx.bridged(), ctx.announces(), ctx.taker(), ctx.definition());
        this.cpu = new DomainCpu(this, ctx.weights());
        this.disk = new DomainDisk(this, ctx.disks(), ctx.handover());
    }

    /** A call on the domain, run again on a new connection if the old one is lost: for what may be repeated. */
    <T> T call(String what, DomainCall<T> c) {
        return ctx.host().call(what, () -> c.call(ref.get()));
    }

    /** A call on the domain that must not be repeated: a lost connection makes its outcome unknown (see {@link Host#once}). */
    <T> T once(String what, DomainCall<T> c) {
        return ctx.host().once(what, () -> c.call(ref.get()));
    }

    @FunctionalInterface
    interface DomainCall<T> {
        T call(Domain d) throws LibvirtException;
    }

    String name() {
        return ref.name();
    }

    Host host() {
        return ctx.host();
    }

    @Override public InstanceId id() {
        return new InstanceId(name());
    }

    @Override public String describe() {
        return "domain " + name();
    }

    /** Whether the domain runs; a lost connection is asked again on a new one (a domain that ended is gone: transient). */
    @Override public boolean alive() {
        try {
            return call("cannot ask whether domain " + name() + " runs", d -> d.isActive() == 1);
        } catch (LibvirtFailure e) {
            if (e.noDomain()) {
                return false;
            }
            throw e;
        }
    }

    String uuid() {
        return call("cannot read domain " + name() + "'s UUID", Domain::getUUIDString);
    }

    /** Its QEMU process, where the libvirt host is this machine (see {@link DomainProcess}). */
    Optional<DomainProcess> process() {
        return ctx.host().local() ? DomainProcess.of(uuid()) : Optional.empty();
    }

    @Override public synchronized GuestAgent agent() {
        if (agent == null) {
            agent = new GuestAgent(new LibvirtAgentChannel(this));
        }
        return agent;
    }

    @Override public LifecycleWatch watch() {
        return new DomainWatch(this, ctx.host().events());
    }

    /** Its serial log; for a clone that ended (a transient domain is gone with its XML), where its log was written. */
    @Override public Console console() {
        try {
            return DomainConsole.of(liveXml(), ctx.host(), name());
        } catch (RuntimeException e) {
            return ctx.names().serialLog(name()).map(p -> DomainConsole.at(p, ctx.host()))
                    .orElseGet(() -> new DomainConsole(Optional.empty(), "domain " + name() + "'s serial log (the domain is gone)", null));
        }
    }

    DomainXml liveXml() {
        return DomainXml.parse(call("cannot read domain " + name() + "'s XML", d -> d.getXMLDesc(XML_SECURE)));
    }

    /** Ends the domain; during a switch maybe in the background (see {@link Handover}). */
    @Override public void kill() {
        ctx.handover().stop(this);
        network.ending();
    }

    /** libvirt's destroy: returns once QEMU is gone. Ending a domain that is not running is fine; so is repeating it on a new connection. */
    void destroyNow() {
        try {
            call("cannot destroy domain " + name(), d -> {
                if (d.isActive() == 1) {
                    d.destroy();
                }
                return null;
            });
        } catch (LibvirtFailure e) {
            if (!e.noDomain() && alive()) {
                throw e;
            }
        }
    }

    @Override public void resumeIfPaused() {
        if (state() == DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
            resume();
        }
    }

    /** Resumes a paused domain; one running already is left so (a resume repeated on a new connection). */
    void resume() {
        call("cannot resume domain " + name(), d -> {
            if (d.getInfo().state == DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
                d.resume();
            }
            return null;
        });
    }

    private DomainInfo.DomainState state() {
        return call("cannot read domain " + name() + "'s state", d -> d.getInfo().state);
    }

    @Override public String runState() {
        try {
            return state().name().replace("VIR_DOMAIN_", "").toLowerCase(java.util.Locale.ROOT);
        } catch (LibvirtFailure e) {
            return "gone";
        }
    }

    /** Bytes read from every disk of the domain, as libvirt's block stats count them. */
    @Override public OptionalLong storageReadBytes() {
        try {
            DomainXml x = liveXml();
            return OptionalLong.of(call("cannot read domain " + name() + "'s block stats", d -> {
                long sum = 0;
                for (DomainXml.Disk k : x.disks()) {
                    sum += d.blockStats(k.target()).rd_bytes;
                }
                return sum;
            }));
        } catch (LibvirtFailure e) {
            return OptionalLong.empty();
        }
    }

    @Override public Map<String, String> details() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("domain", name() + " on " + ctx.host().uri());
        try {
            DomainXml live = liveXml();
            call("cannot read domain " + name(), d -> {
                out.put("uuid", d.getUUIDString());
                Host.metadata(d, 0).ifPresent(m -> out.put("generation", m.generation() + " (" + m.role() + ")"));
                out.put("definition", d.isPersistent() == 1 ? "persistent" + (d.getAutostart() ? ", autostart" : "") : "transient");
                return null;
            });
            out.put("accelerator", "qemu".equals(live.type()) ? "tcg (domain type qemu)" : live.type());
            ctx.disks().persistent(live).ifPresent(p -> out.put("persistent disk", p.source() + " (" + p.target() + ", serial " + p.serial() + ")"));
        } catch (RuntimeException e) {
            out.put("details", "unavailable (" + e.getMessage() + ")");
        }
        return out;
    }

    @Override public DomainNetwork network() {
        return network;
    }

    @Override public DomainCpu cpu() {
        return cpu;
    }

    @Override public DomainDisk persistentDisk() {
        return disk;
    }

    /** libvirt's shutdown through the guest agent, or its ACPI power button. */
    @Override public boolean requestPowerOff(PowerOffRequest how) {
        try {
            call("cannot ask domain " + name() + " to power off", d -> {
                Virt.shutdown(d, how == PowerOffRequest.AGENT ? Virt.SHUTDOWN_GUEST_AGENT : Virt.SHUTDOWN_ACPI);
                return null;
            });
            return true;
        } catch (RuntimeException e) {
            log.debug("power-off by {} not delivered to {}: {}", how, name(), e.toString());
            return false;
        }
    }

    @Override public boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (alive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Sleep.ms(20);
        }
        return true;
    }

    @Override public synchronized void close() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    static void waitUntil(String what, Duration timeout, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new LibvirtFailure(what + " did not happen within " + timeout.toSeconds() + " s");
            }
            Sleep.ms(5);
        }
    }
}
