package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bgreboot.Sleep;
import org.w3c.dom.Element;

/**
 * A rehearsal of the switch's hot-plug in a clone under TCG, through libvirt, before the switch:
 * the first hot-plug in a guest pays for translating its kernel's hot-plug and disk-probe code, on
 * the downtime path; rehearsed with a scratch disk on a spare PCIe root port, the real one finds
 * that code translated (as the embedded engine does). The scratch disk is unplugged after the
 * switch. Only where the clone has a root port that neither a device nor the persistent disk uses.
 */
final class Rehearsal {
    private static final long SIZE = 16L << 20;
    private static final Duration SEEN_TIMEOUT = Duration.ofSeconds(10);
    private static final int DEVICE_LIVE = 1;
    private static final String SERIAL = "bgrehearsal";

    private Rehearsal() {}

    /** Plugs the scratch disk and waits until the guest has it; the disk's XML, or empty where there is no spare port. */
    static Optional<String> run(DomainInstance clone, Path image, Optional<Integer> persistentBus) {
        DomainXml live = clone.liveXml();
        Optional<Integer> port = sparePort(live, persistentBus);
        if (port.isEmpty() || !"qemu".equals(live.type())) {
            return Optional.empty();
        }
        String target = freeTarget(live);
        String xml = """
                <disk type='file' device='disk'>
                  <driver name='qemu' type='raw'/>
                  <source file='%s'/>
                  <target dev='%s' bus='virtio'/>
                  <serial>%s</serial>
                  <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' function='0x0'/>
                </disk>""".formatted(image, target, SERIAL, port.get());
        Set<String> before = clone.agent().diskNames(Duration.ofSeconds(10));
        clone.attachLive(xml);
        long deadline = System.nanoTime() + SEEN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && before.containsAll(clone.agent().diskNames(Duration.ofSeconds(10)))) {
            Sleep.ms(20);
        }
        return Optional.of(xml);
    }

    /** Unplugs the scratch disk if the domain has one (libvirt waits a while for the guest, which lets go in its own time). */
    static void remove(DomainInstance vm) {
        for (DomainXml.Disk d : vm.liveXml().disks()) {
            if (SERIAL.equals(d.serial())) {
                LibvirtCall.run("cannot unplug the rehearsal disk", () -> vm.domain().detachDeviceFlags(d.xml(), DEVICE_LIVE));
            }
        }
    }

    static long size() {
        return SIZE;
    }

    /** A pcie-root-port no device sits on and that is not the persistent disk's. */
    private static Optional<Integer> sparePort(DomainXml x, Optional<Integer> persistentBus) {
        Set<Integer> used = new HashSet<>();
        for (Element dev : children(x.devicesElement())) {
            DomainXml.child(dev, "address").filter(a -> "pci".equals(a.getAttribute("type")))
                    .ifPresent(a -> used.add(Integer.decode(a.getAttribute("bus"))));
        }
        persistentBus.ifPresent(used::add);
        for (Element c : x.devices("controller")) {
            if ("pci".equals(c.getAttribute("type")) && "pcie-root-port".equals(c.getAttribute("model"))) {
                int index = Integer.parseInt(c.getAttribute("index"));
                if (!used.contains(index)) {
                    return Optional.of(index);
                }
            }
        }
        return Optional.empty();
    }

    private static String freeTarget(DomainXml x) {
        Set<String> targets = new HashSet<>();
        x.disks().forEach(d -> targets.add(d.target()));
        for (char c = 'z'; c > 'b'; c--) {
            if (!targets.contains("vd" + c)) {
                return "vd" + c;
            }
        }
        return "vdzz";
    }

    private static List<Element> children(Element parent) {
        List<Element> out = new java.util.ArrayList<>();
        for (org.w3c.dom.Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }
}
