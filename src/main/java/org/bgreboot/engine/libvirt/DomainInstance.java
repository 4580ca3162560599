package org.bgreboot.engine.libvirt;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.Console;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.Drain;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.LifecycleWatch;
import org.bgreboot.engine.Capability;
import org.bgreboot.engine.CpuCeiling;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.engine.InstanceCpu;
import org.bgreboot.engine.InstanceDisk;
import org.bgreboot.engine.InstanceNetwork;
import org.bgreboot.engine.PowerOffRequest;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.LibvirtException;
import org.libvirt.SchedParameter;
import org.w3c.dom.Element;

/**
 * One running domain of a VM, an {@link Instance} of the libvirt engine: found again by its name.
 * Everything it changes goes through libvirt's API, so libvirt's view of the domain stays true.
 * Closing it closes nothing of the domain.
 */
final class DomainInstance implements Instance {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DomainInstance.class);
    private static final int DEVICE_LIVE = 1;
    private static final int XML_SECURE = 1;
    private static final long CAP_PERIOD_US = 100_000;

    private final LibvirtVm vm;
    private final Host host;
    private final Domain domain;
    private final String name;
    private GuestAgent agent;

    DomainInstance(LibvirtVm vm, Host host, Domain domain, String name) {
        this.vm = vm;
        this.host = host;
        this.domain = domain;
        this.name = name;
    }

    String name() {
        return name;
    }

    Domain domain() {
        return domain;
    }

    @Override public InstanceId id() {
        return new InstanceId(name);
    }

    @Override public String describe() {
        return "domain " + name;
    }

    @Override public boolean alive() {
        try {
            return domain.isActive() == 1;
        } catch (LibvirtException e) {
            return false; // a transient domain that ended is gone
        }
    }

    @Override public synchronized GuestAgent agent() {
        if (agent == null) {
            agent = new GuestAgent(new LibvirtAgentChannel(domain, name));
        }
        return agent;
    }

    @Override public LifecycleWatch watch() {
        return new DomainWatch(this, host.events());
    }

    /** Its serial log; for a clone that ended (a transient domain is gone with its XML), where its log was written. */
    @Override public Console console() {
        try {
            return DomainConsole.of(liveXml(), host, name);
        } catch (RuntimeException e) {
            return vm.serialLogOf(name).map(p -> DomainConsole.at(p, host))
                    .orElseGet(() -> new DomainConsole(Optional.empty(), "domain " + name + "'s serial log (the domain is gone)", null));
        }
    }

    DomainXml liveXml() {
        return DomainXml.parse(LibvirtCall.of("cannot read domain " + name + "'s XML", () -> domain.getXMLDesc(XML_SECURE)));
    }

    /** Ends the domain; during a switch maybe in the background (see {@link Handover}). */
    @Override public void kill() {
        vm.handover().stop(this);
    }

    /** libvirt's destroy: returns once QEMU is gone. Ending a domain that is not running is fine. */
    void destroyNow() {
        try {
            domain.destroy();
        } catch (LibvirtException e) {
            if (!LibvirtFailure.noDomain(e) && alive()) {
                throw new LibvirtFailure("cannot destroy domain " + name, e);
            }
        }
    }

    @Override public void resumeIfPaused() {
        if (state() == DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
            LibvirtCall.run("cannot resume domain " + name, domain::resume);
        }
    }

    void resume() {
        LibvirtCall.run("cannot resume domain " + name, domain::resume);
    }

    private DomainInfo.DomainState state() {
        return LibvirtCall.of("cannot read domain " + name + "'s state", () -> domain.getInfo().state);
    }

    @Override public String runState() {
        try {
            return domain.getInfo().state.name().replace("VIR_DOMAIN_", "").toLowerCase(java.util.Locale.ROOT);
        } catch (LibvirtException e) {
            return "gone";
        }
    }

    /** Idle: the lowest CPU weight and the host's last CPUs; normal: the VM's own weight and every CPU. */
    void share(CpuShare share) {
        CpuPlacement p = vm.placement();
        int vcpus = LibvirtCall.of("cannot read domain " + name + "'s vCPUs", () -> domain.getInfo().nrVirtCpu);
        boolean idle = share == CpuShare.IDLE;
        Virt.setSchedulerParameter(domain, "cpu_shares", idle ? CpuPlacement.IDLE_SHARES : vm.normalShares(), Virt.AFFECT_LIVE);
        byte[] map = idle ? p.lastMap(vcpus) : p.allMap();
        for (int v = 0; v < vcpus; v++) {
            Virt.pinVcpu(domain, v, map, Virt.AFFECT_LIVE);
        }
        Virt.pinEmulator(domain, map, Virt.AFFECT_LIVE);
    }

    /** The domain's CPU time so far (libvirt's domain info, all vCPUs). */
    java.util.OptionalLong cpuTimeNanos() {
        try {
            return java.util.OptionalLong.of(domain.getInfo().cpuTime);
        } catch (LibvirtException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /** A CFS quota on each vCPU through libvirt's scheduler parameters ({@code vcpu_quota} of a 100 ms period); 1 lifts it. */
    boolean capCpu(double fraction) {
        try {
            Virt.setSchedulerParameter(domain, "vcpu_period", CAP_PERIOD_US, Virt.AFFECT_LIVE);
            Virt.setSchedulerParameter(domain, "vcpu_quota", fraction >= 1 ? -1 : Math.max(1000, (long) (fraction * CAP_PERIOD_US)), Virt.AFFECT_LIVE);
            return true;
        } catch (LibvirtFailure e) {
            return false;
        }
    }

    /** Bytes read from every disk of the domain, as libvirt's block stats count them. */
    @Override public java.util.OptionalLong storageReadBytes() {
        try {
            long sum = 0;
            for (DomainXml.Disk d : liveXml().disks()) {
                sum += domain.blockStats(d.target()).rd_bytes;
            }
            return java.util.OptionalLong.of(sum);
        } catch (LibvirtException | RuntimeException e) {
            return java.util.OptionalLong.empty();
        }
    }

    @Override public Map<String, String> details() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("domain", name + " on " + host.uri());
        try {
            d.put("uuid", domain.getUUIDString());
            Host.metadata(domain, 0).ifPresent(m -> d.put("generation", m.generation() + " (" + m.role() + ")"));
            d.put("definition", domain.isPersistent() == 1 ? "persistent" + (domain.getAutostart() ? ", autostart" : "") : "transient");
            d.put("accelerator", "qemu".equals(liveXml().type()) ? "tcg (domain type qemu)" : liveXml().type());
            vm.persistentDiskOf(liveXml()).ifPresent(p -> d.put("persistent disk", p.source() + " (" + p.target() + ", serial " + p.serial() + ")"));
        } catch (LibvirtException | RuntimeException e) {
            d.put("details", "unavailable (" + e.getMessage() + ")");
        }
        return d;
    }

    String cpuPolicy() {
        try {
            String shares = "?";
            for (SchedParameter s : domain.getSchedulerParameters()) {
                if (s.field.equals("cpu_shares")) {
                    shares = s.getValueAsString();
                }
            }
            return "cpu_shares " + shares + ", vCPUs on CPU " + CpuPlacement.list(domain.getVcpusCpuMaps(), host.cpus());
        } catch (LibvirtException e) {
            return "unknown (" + LibvirtFailure.message(e) + ")";
        }
    }

    boolean persistentDiskPlugged() {
        return vm.persistentDiskOf(liveXml()).isPresent();
    }

    DiskHandover plugPersistentDisk() {
        return vm.plugInto(this);
    }

    void attachLive(String diskXml) {
        LibvirtCall.run("cannot hot-plug the persistent disk into domain " + name, () -> domain.attachDeviceFlags(diskXml, DEVICE_LIVE));
    }

    void isolateNetwork() {
        link("down");
    }

    /**
     * Link up, then (unless the spec says {@code announce = "none"}) QEMU's announce-self: gratuitous
     * ARP/RARP for the MAC, so the bridge forwards the VM's frames to the clone's tap at once. The
     * old domain's tap stays a port of the bridge, its forwarding entry with it, until libvirt has
     * cleaned the old domain up (~200 ms after its QEMU is gone), and the clone says nothing until
     * spoken to: without the announcement clients' packets went to a dead tap for that long.
     * libvirt has no call for it: it is a monitor command, and libvirt marks the domain tainted
     * ("custom-monitor") in its log. It changes no device: libvirt's view of the domain stays true.
     */
    void takeNetwork() {
        link("up");
        if (vm.announces()) {
            LibvirtCall.of("cannot announce domain " + name + "'s MAC (QEMU announce-self)", () -> domain.qemuMonitorCommand(ANNOUNCE, 0));
        }
    }

    /** Every 2 ms for 200 ms: whatever the old domain still sends in its last milliseconds, the bridge learns the clone's port again at once. */
    private static final String ANNOUNCE = "{\"execute\":\"announce-self\",\"arguments\":{\"initial\":1,\"max\":2,\"rounds\":100,\"step\":1}}";

    /** Whether its network is a bridge (or a libvirt network), where the switch moves a MAC between taps. */
    boolean bridged() {
        return vm.spec().network().bridged();
    }

    /**
     * On a bridge, until its interfaces have been quiet (see {@link Drain}). The clone announced
     * its MAC every 2 ms for 200 ms as it took the network, so what this domain still sends does
     * not draw the bridge's forwarding entry back to its tap. The interfaces are looked up once:
     * the polls, every 2 ms inside the switch, only read their counters.
     */
    long drain() {
        if (!bridged()) {
            return 0;
        }
        List<String> taps;
        try {
            taps = liveXml().devices("interface").stream().map(nic -> DomainXml.child(nic, "target").map(t -> t.getAttribute("dev")).orElse(""))
                    .filter(dev -> !dev.isEmpty()).toList();
        } catch (RuntimeException e) {
            log.debug("{}: no interfaces to drain ({})", name, e.toString());
            return 0; // gone, or unreadable: nothing to wait for
        }
        long ms = Drain.untilQuiet(() -> transmitted(taps));
        log.debug("{} drained in {} ms", name, ms);
        return ms;
    }

    /** Packets the interfaces {@code taps} have sent so far (libvirt's interface stats); empty where unknown. */
    private java.util.OptionalLong transmitted(List<String> taps) {
        try {
            long sum = 0;
            for (String dev : taps) {
                sum += domain.interfaceStats(dev).tx_packets;
            }
            return java.util.OptionalLong.of(sum);
        } catch (LibvirtException | RuntimeException e) {
            return java.util.OptionalLong.empty();
        }
    }

    void releaseNetwork() {
        link("down");
    }

    private void link(String state) {
        DomainXml live = liveXml();
        for (Element nic : live.devices("interface")) {
            Element link = DomainXml.child(nic, "link").orElseGet(() -> (Element) nic.appendChild(live.element("link")));
            if (state.equals(link.getAttribute("state")) || (state.equals("up") && link.getAttribute("state").isEmpty())) {
                continue;
            }
            link.setAttribute("state", state);
            String xml = DomainXml.print(nic);
            LibvirtCall.run("cannot set the link of domain " + name + " " + state, () -> domain.updateDeviceFlags(xml, DEVICE_LIVE));
        }
    }

    @Override public InstanceNetwork network() {
        return new InstanceNetwork() {
            @Override public void isolate() {
                isolateNetwork();
            }

            @Override public void take() {
                takeNetwork();
            }

            /** The old domain keeps its tap until it ends; the clone's announce moves the bridge's entry. */
            @Override public void handOver() { }

            @Override public long drain() {
                return DomainInstance.this.drain();
            }

            @Override public void release() {
                releaseNetwork();
            }
        };
    }

    @Override public InstanceCpu cpu() {
        return new InstanceCpu() {
            @Override public void share(CpuShare share) {
                DomainInstance.this.share(share);
            }

            @Override public String policy() {
                return cpuPolicy();
            }

            @Override public java.util.OptionalLong usedNanos() {
                return cpuTimeNanos();
            }

            @Override public Capability<CpuCeiling> ceiling() {
                return Capability.of(new CpuCeiling() {
                    @Override public void set(double fraction) {
                        if (!capCpu(fraction)) {
                            throw new LibvirtFailure("libvirt refused the vcpu_quota of domain " + name);
                        }
                    }

                    @Override public java.util.OptionalLong throttledMicros() {
                        return java.util.OptionalLong.empty();
                    }
                });
            }
        };
    }

    @Override public InstanceDisk persistentDisk() {
        return new InstanceDisk() {
            @Override public boolean attached() {
                return persistentDiskPlugged();
            }

            @Override public void awaitReleased(Duration timeout) {
                // the hot-plug retries on QEMU's image lock until the old QEMU has let go (see Handover)
            }

            @Override public DiskHandover take() {
                return plugPersistentDisk();
            }
        };
    }

    /** libvirt's shutdown through the guest agent, or its ACPI power button. */
    @Override public boolean requestPowerOff(PowerOffRequest how) {
        try {
            Virt.shutdown(domain, how == PowerOffRequest.AGENT ? Virt.SHUTDOWN_GUEST_AGENT : Virt.SHUTDOWN_ACPI);
            return true;
        } catch (RuntimeException e) {
            log.debug("power-off by {} not delivered to {}: {}", how, name, e.toString());
            return false;
        }
    }

    @Override public boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (alive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            org.bgreboot.Sleep.ms(20);
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
            org.bgreboot.Sleep.ms(5);
        }
    }
}
