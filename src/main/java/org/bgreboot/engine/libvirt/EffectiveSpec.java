package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.spec.VmSpec;

/** A libvirt spec as the domain fills it in: its memory, CPUs, disks, network and kernel are the domain's. */
final class EffectiveSpec {
    private EffectiveSpec() {}

    static VmSpec of(VmSpec s, DomainXml x, DomainDisks disks) {
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
}
