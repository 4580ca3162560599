package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.VmState;
import org.w3c.dom.Element;

/**
 * The XML of a domain of the VM's next generation, made from the VM's persistent definition: the
 * user's own XML (devices, addresses, autostart...) with only what a generation changes: name,
 * UUID and generation id, the system disks' layers, the kernel it boots, bgreboot's metadata. A
 * clone adds what keeps it apart from the VM while it boots (see {@link #clone}).
 */
final class GenerationXml {
    private GenerationXml() {}

    /**
     * @param uuid  the UUID to keep (a running domain being made persistent), or empty for a new one
     * @param genid the generation id to keep, or empty for a new one
     */
    static DomainXml of(DomainXml definition, DomainDisks disks, String name, Optional<String> uuid, Optional<String> genid,
                        VmState state, VmMetadata metadata) {
        DomainXml x = definition.copy();
        x.setName(name);
        x.removeUuid();
        uuid.ifPresent(u -> x.insertAfter(x.root(), "uuid", "name").setTextContent(u));
        genid.ifPresentOrElse(x::setGenid, x::newGenid);
        List<DomainXml.Disk> system = disks.system(x);
        if (system.size() != state.systemOverlays().size()) {
            throw new LibvirtFailure("the domain has " + system.size() + " system disks but the VM's state lists " + state.systemOverlays().size());
        }
        for (int i = 0; i < system.size(); i++) {
            Element d = system.get(i).element();
            Path layer = state.systemOverlays().get(i);
            if (!layer.toString().equals(system.get(i).source())) {
                DomainXml.child(d, "source").orElseThrow().setAttribute("file", layer.toString());
                DomainXml.child(d, "driver").ifPresent(drv -> drv.setAttribute("type", "qcow2"));
            }
            DomainXml.children(d, "backingStore").forEach(d::removeChild);
        }
        state.boot().ifPresent(b -> {
            x.setBoot("kernel", b.kernel().toString());
            x.setBoot("initrd", b.initrd() == null ? null : b.initrd().toString());
            if (b.cmdline() != null) {
                x.setBoot("cmdline", b.cmdline());
            }
        });
        x.setMetadata(metadata);
        return x;
    }

    /**
     * A clone of the VM: no persistent disk (the VM has it until the switch), its interfaces' links
     * down from before its first instruction (same MAC as the VM), those that {@code held} names on
     * the holding network (see {@link HoldingNetwork}), its own serial log, its own agent socket, no
     * fixed ports or tap names, idle CPU weight on the host's last CPUs, and destroyed rather than
     * restarted if its guest reboots or crashes: either means the update failed.
     */
    static DomainXml clone(DomainXml x, DomainDisks disks, Optional<Path> serialLog, CpuPlacement cpus, boolean idle, Predicate<Element> held) {
        disks.persistent(x).ifPresent(p -> x.remove(p.element()));
        for (Element nic : x.devices("interface")) {
            DomainXml.children(nic, "target").forEach(nic::removeChild);
            Element link = DomainXml.child(nic, "link").orElseGet(() -> (Element) nic.appendChild(x.element("link")));
            link.setAttribute("state", "down");
            if (held.test(nic)) {
                hold(x, nic);
            }
        }
        serialLog.ifPresent(log -> serialLog(x, log));
        for (Element c : x.devices("console")) {
            if (DomainXml.child(c, "target").map(t -> t.getAttribute("type")).filter(t -> t.isEmpty() || t.equals("serial")).isPresent()) {
                x.remove(c); // libvirt makes it again from the serial device
            }
        }
        x.agentChannel().ifPresent(ch -> DomainXml.children(ch, "source").forEach(ch::removeChild));
        for (Element g : x.devices("graphics")) {
            if (g.hasAttribute("port") || g.hasAttribute("tlsPort")) {
                g.removeAttribute("port");
                g.removeAttribute("tlsPort");
                g.setAttribute("autoport", "yes");
            }
        }
        for (String event : List.of("on_poweroff", "on_reboot", "on_crash")) {
            DomainXml.child(x.root(), event).orElseGet(() -> x.insertAfter(x.root(), event, "on_crash", "on_reboot", "on_poweroff", "clock", "features"))
                    .setTextContent("destroy");
        }
        if (idle) {
            Element tune = DomainXml.child(x.root(), "cputune").orElseGet(() -> x.insertAfter(x.root(), "cputune", "vcpu", "currentMemory", "memory"));
            for (String tag : List.of("shares", "vcpupin", "emulatorpin")) {
                DomainXml.children(tune, tag).forEach(tune::removeChild);
            }
            tune.appendChild(x.element("shares")).setTextContent(String.valueOf(CpuPlacement.IDLE_SHARES));
            String set = cpus.lastCpus(x.vcpus());
            for (int v = 0; v < x.vcpus(); v++) {
                Element pin = (Element) tune.appendChild(x.element("vcpupin"));
                pin.setAttribute("vcpu", String.valueOf(v));
                pin.setAttribute("cpuset", set);
            }
            ((Element) tune.appendChild(x.element("emulatorpin"))).setAttribute("cpuset", set);
        }
        return x;
    }

    /** Puts {@code nic} on the holding network: its type and source only; MAC, model, address and link stay. */
    static void hold(DomainXml x, Element nic) {
        x.placeInterface(nic, "network", java.util.Map.of("network", HoldingNetwork.NAME));
    }

    /** Points the serial console's log file at {@code log}. */
    static void serialLog(DomainXml x, Path log) {
        for (Element s : x.devices("serial")) {
            if ("file".equals(s.getAttribute("type"))) {
                DomainXml.child(s, "source").ifPresent(src -> src.setAttribute("path", log.toString()));
            }
            DomainXml.child(s, "log").ifPresent(l -> l.setAttribute("file", log.toString()));
        }
    }

    /** The kernel the VM boots, if it boots one directly. */
    static Optional<VmSpec.KernelBoot> boot(DomainXml x) {
        return x.kernel().map(k -> new VmSpec.KernelBoot(Path.of(k), x.initrd().map(Path::of).orElse(null), x.cmdline().orElse("")));
    }
}
