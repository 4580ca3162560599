package org.bgreboot.watch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.engine.libvirt.LibvirtVm;
import org.bgreboot.installed.InstalledProbe;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/**
 * Asks every VM bgreboot knows on a host (domains whose metadata names a VM: adopted, or started
 * or rebooted by bgreboot) whether it needs a reboot, through its guest agent alone
 * ({@link InstalledProbe}: one round trip). A VM with a clone running is mid-reboot and not asked.
 */
final class GuestSentinel implements Sentinel {
    static final Duration ASK = Duration.ofSeconds(30);

    private final WatchedHosts hosts;
    private final Home home;
    private final SpecLoader loader;

    GuestSentinel(WatchedHosts hosts, Home home) {
        this.hosts = hosts;
        this.home = home;
        this.loader = SpecLoader.forThisHost(home.vms());
    }

    @Override public List<VmAnswer> ask(String host) {
        LibvirtEngine e = hosts.engine(host).orElseThrow(() -> new HostDown(host, "no connection"));
        List<LibvirtEngine.Listing> listing;
        try {
            listing = e.list();
        } catch (RuntimeException ex) {
            throw new HostDown(host, ex.getMessage());
        }
        Map<String, List<LibvirtEngine.Listing>> byVm = new LinkedHashMap<>();
        listing.stream().filter(l -> !l.vm().isEmpty()).forEach(l -> byVm.computeIfAbsent(l.vm(), k -> new ArrayList<>()).add(l));
        List<VmAnswer> out = new ArrayList<>();
        for (Map.Entry<String, List<LibvirtEngine.Listing>> vm : byVm.entrySet()) {
            out.add(one(e, host, vm.getKey(), vm.getValue()));
        }
        return out;
    }

    private VmAnswer one(LibvirtEngine e, String host, String name, List<LibvirtEngine.Listing> domains) {
        Optional<LibvirtEngine.Listing> clone = domains.stream().filter(d -> d.running() && !d.role().equals("serving")).findFirst();
        if (clone.isPresent()) {
            return VmAnswer.unknown(name, host, "a reboot of it is under way (its clone " + clone.get().domain() + " runs)");
        }
        if (domains.stream().noneMatch(LibvirtEngine.Listing::running)) {
            return VmAnswer.unknown(name, host, "it is not running");
        }
        try {
            VmSpec spec = e.specOf(name, loader).orElseThrow(() -> new IllegalStateException("no spec in its domain's metadata"));
            LibvirtVm vm = e.vm(spec.connectingTo(e.uri()), home.stateDir(spec.name()));
            Optional<Instance> serving = vm.serving();
            if (serving.isEmpty()) {
                return VmAnswer.unknown(name, host, "no domain of it serves");
            }
            try (Instance i = serving.get()) {
                return VmAnswer.of(name, host, InstalledProbe.ask(i.agent(), ASK));
            }
        } catch (RuntimeException ex) {
            return VmAnswer.unknown(name, host, "its guest could not be asked: " + ex.getMessage());
        }
    }
}
