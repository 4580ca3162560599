package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.engine.VmInspection;

/** What bgreboot checks of a libvirt VM: the serving domain against its definition, space for layers, the chain, what is left over. */
final class LibvirtInspection implements VmInspection {
    private final LibvirtVm vm;
    private final Definitions definitions;
    private final DomainDisks disks;
    private final Generations names;
    private final Host host;

    LibvirtInspection(LibvirtVm vm, Definitions definitions, DomainDisks disks, Generations names, Host host) {
        this.vm = vm;
        this.definitions = definitions;
        this.disks = disks;
        this.names = names;
        this.host = host;
    }

    /** The domain's live setup against its definition, where it matters: one line each. */
    @Override public List<String> specDrift() {
        List<String> drift = new ArrayList<>();
        vm.servingDomain().ifPresent(d -> {
            try (d) {
                DomainXml live = d.liveXml();
                DomainXml def = definitions.definitionXml();
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

    @Override public FreeSpace freeSpace() {
        Path dir = definitions.layerDir();
        return new FreeSpace(host.files().available(dir), dir + " on " + host.uri());
    }

    @Override public int chainDepth() {
        return vm.servingDomain().map(s -> disks.system(s.liveXml()).stream().mapToInt(d -> d.layers().size()).max().orElse(0)).orElse(0);
    }

    /** Domains of the VM beside the serving one, old definitions, and layer files no generation uses. */
    @Override public List<String> leftovers() {
        List<String> left = new ArrayList<>();
        Optional<String> serving = definitions.serving();
        String current = definitions.definition();
        String vmName = vm.spec().name();
        for (Host.DomainEntry e : definitions.mine()) {
            if (e.active() && serving.map(s -> !s.equals(e.name())).orElse(true)) {
                left.add("domain " + e.name() + " of VM " + vmName + " runs beside the serving one");
            } else if (!e.active() && !e.name().equals(current)) {
                left.add("an old definition of VM " + vmName + ": domain " + e.name());
            }
        }
        List<String> used = new ArrayList<>();
        for (DomainInstance r : vm.running()) {
            disks.system(r.liveXml()).forEach(d -> used.addAll(d.layers()));
        }
        disks.system(definitions.definitionXml()).forEach(d -> used.add(d.source()));
        Path dir = definitions.layerDir();
        for (String f : host.files().list(dir)) {
            if (names.ours(f) && !used.contains(dir.resolve(f).toString())) {
                left.add("file " + dir.resolve(f) + " that no generation of " + vmName + " uses");
            }
        }
        return left;
    }
}
