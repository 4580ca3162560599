package org.bgreboot.experiment;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.fleet.Fleet;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.FleetRequest;
import org.bgreboot.fleet.OnFailure;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.Durable;

/**
 * The fleet demo: {@code hosts} private libvirt hosts on one test network, {@code perHost} demo
 * VMs on each (domains on the hosts' bridges, each with its own address), a prober and a writer
 * against every VM from the client namespace, and the v1→v2 update rolled across all of them,
 * one reboot at a time per host, hosts in parallel. Then the report and what it must show; then
 * everything is torn down.
 */
public final class FleetDemo {
    private final Home home;
    private final Progress progress;
    private final PrintStream out;

    public FleetDemo(Home home, Progress progress, PrintStream out) {
        this.home = home;
        this.progress = progress;
        this.out = out;
    }

    /** {@code HOSTSxVMS}, e.g. 2x3. */
    public static int[] shape(String text) {
        if (text == null || !text.matches("\\d{1,2}x\\d{1,2}")) {
            throw new UserError("--fleet " + text + " is not HOSTSxVMS, like 2x3 (hosts, and VMs on each)");
        }
        int[] hv = {Integer.parseInt(text.split("x")[0]), Integer.parseInt(text.split("x")[1])};
        if (hv[0] < 1 || hv[0] > 4 || hv[1] < 1 || hv[1] > 6) {
            throw new UserError("--fleet " + text + ": give 1 to 4 hosts and 1 to 6 VMs on each (this machine runs them all)");
        }
        return hv;
    }

    public FleetDemoReport run(int hosts, int perHost, boolean terminal) {
        GuestImage image = new GuestBuilder(home).ensure("demo", progress::step);
        try (LibvirtLab lab = LibvirtLab.start(home, "lvfleet", 72, hosts, progress)) {
            List<LibvirtLab.DemoDomain> domains = new ArrayList<>();
            int n = 0;
            for (LibvirtLab.LabHost h : lab.hosts()) {
                for (int i = 1; i <= perHost; i++) {
                    LibvirtLab.DemoDomain d = lab.demoDomain(image, "fleet-h" + h.index() + "-" + i, h, n++, "384");
                    lab.define(d, true);
                    domains.add(d);
                }
            }
            startAll(domains);
            FleetRequest r = new FleetRequest(lab.hosts().stream().map(LibvirtLab.LabHost::uri).toList(), List.of(), true, 1, 1, OnFailure.STOP, true);
            FleetReport report = new Fleet(home, out, progress, terminal).roll(r);
            return new FleetDemoReport(report, hosts, perHost, image.last().version(), image.last().kernelRelease());
        }
    }

    /** Boots every VM (all at once), then waits until each is ready: the fleet's starting point. */
    private void startAll(List<LibvirtLab.DemoDomain> domains) {
        SpecLoader loader = SpecLoader.forThisHost(home.vms());
        List<Vm> vms = new ArrayList<>();
        List<Instance> booted = new ArrayList<>();
        List<LibvirtEngine> engines = new ArrayList<>();
        try {
            for (LibvirtLab.DemoDomain d : domains) {
                VmSpec spec = loader.load(d.spec());
                Durable.deleteTree(home.stateDir(spec.name()).path()); // the lab's own VMs: no journal of an earlier run applies
                LibvirtEngine e = LibvirtEngine.connect(Optional.of(d.host().uri()));
                engines.add(e);
                Vm vm = e.vm(spec, home.stateDir(spec.name()));
                vms.add(vm);
                booted.add(vm.coldBoot(vm.state(), "starting " + spec.name() + " on host " + d.host().index(), progress));
            }
            for (int i = 0; i < vms.size(); i++) {
                VmBoot.await(vms.get(i), booted.get(i), progress);
            }
        } finally {
            booted.forEach(Instance::close);
            engines.forEach(LibvirtEngine::close);
        }
    }
}
