package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bgreboot.Sleep;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.SwitchRehearsal;
import org.w3c.dom.Element;

/**
 * Before the switch: a rehearsal of its hot-plug in a clone under TCG, through libvirt, and the
 * switch armed ({@link Handover#arm}). The first hot-plug in a guest pays for translating its
 * kernel's hot-plug and disk-probe code, on the downtime path; rehearsed with a scratch disk on a
 * spare PCIe root port, the real one finds that code translated (as the embedded engine does). After
 * the switch the background destroy is awaited and the scratch disk unplugged and deleted. Only
 * where the clone has a root port that neither a device nor the persistent disk uses.
 */
final class Rehearsal implements SwitchRehearsal {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Rehearsal.class);
    private static final long SIZE = 16L << 20;
    private static final Duration SEEN_TIMEOUT = Duration.ofSeconds(10);
    private static final String SERIAL = "bgrehearsal";

    private final Definitions definitions;
    private final Generations names;
    private final DomainDisks disks;
    private final Host host;
    private final Handover handover;

    Rehearsal(Definitions definitions, Generations names, DomainDisks disks, Host host, Handover handover) {
        this.definitions = definitions;
        this.names = names;
        this.disks = disks;
        this.host = host;
        this.handover = handover;
    }

    /** The clone's links up on the holding network first (see {@link DomainNetwork#prepare}), then the hot-plug rehearsed. */
    @Override public void before(Instance clone) {
        DomainInstance c = (DomainInstance) clone;
        try {
            try {
                c.network().prepare();
            } catch (RuntimeException e) {
                log.warn("{}'s links not up before the switch ({}): they come up at it", c.describe(), e.getMessage());
            }
            Optional<Integer> bus = disks.persistent(definitions.definitionXml()).flatMap(d -> DomainXml.child(d.element(), "address"))
                    .filter(a -> "pci".equals(a.getAttribute("type"))).map(a -> Integer.decode(a.getAttribute("bus")));
            Path image = names.rehearsalDisk(definitions.layerDir(), c.name());
            host.files().delete(image);
            host.files().createRaw(image, SIZE);
            if (run(c, image, bus).isEmpty()) {
                host.files().delete(image);
            }
        } finally {
            handover.arm(c);
        }
    }

    /** Also tidies a rehearsal a crashed bgreboot left. */
    @Override public void after(Instance serving) {
        DomainInstance s = (DomainInstance) serving;
        try {
            handover.settle();
            remove(s);
        } finally {
            // QEMU keeps its own handle on a file still plugged; the file of ours must not outlive the reboot
            host.files().delete(names.rehearsalDisk(definitions.layerDir(), s.name()));
        }
    }

    /** Plugs the scratch disk and waits until the guest has it; the disk's XML, or empty where there is no spare port. */
    private static Optional<String> run(DomainInstance clone, Path image, Optional<Integer> persistentBus) {
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
        clone.call("cannot plug the rehearsal disk into " + clone.describe(), d -> {
            if (DomainXml.parse(d.getXMLDesc(0)).disks().stream().noneMatch(k -> SERIAL.equals(k.serial()))) {
                d.attachDeviceFlags(xml, DomainInstance.DEVICE_LIVE);
            }
            return null;
        });
        long deadline = System.nanoTime() + SEEN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && before.containsAll(clone.agent().diskNames(Duration.ofSeconds(10)))) {
            Sleep.ms(20);
        }
        return Optional.of(xml);
    }

    /**
     * Unplugs the scratch disk if the domain has one (libvirt waits a while for the guest, which lets
     * go in its own time). Read again on each attempt: a call repeated on a new connection after
     * libvirtd restarted may find the disk gone by the first.
     */
    private static void remove(DomainInstance vm) {
        vm.call("cannot unplug the rehearsal disk", dom -> {
            for (DomainXml.Disk d : DomainXml.parse(dom.getXMLDesc(0)).disks()) {
                if (SERIAL.equals(d.serial())) {
                    dom.detachDeviceFlags(d.xml(), DomainInstance.DEVICE_LIVE);
                }
            }
            return null;
        });
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
