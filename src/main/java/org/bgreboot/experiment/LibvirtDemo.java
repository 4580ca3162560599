package org.bgreboot.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.lifecycle.PowerOff;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.measure.LedgerCheck;
import org.bgreboot.measure.LedgerCheckResult;
import org.bgreboot.measure.RawHttp;
import org.bgreboot.measure.RunClock;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.Reboots;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.Durable;
import org.bgreboot.state.StateDir;
import org.bgreboot.state.VmLock;

/**
 * The demo on the libvirt engine: a private libvirt host on a test network of its own, the demo
 * guest defined there as a domain on the host's bridge, and the same v1→v2 update applied twice
 * from the same starting point (a normal reboot, then a background reboot), measured by a prober
 * and a writer in the test network's client namespace. Then what only a libvirt VM can show: how
 * many of its domains run, and a cold boot of its persistent definition (the new kernel, the
 * writes). Everything it made is torn down by pid and by name.
 */
public final class LibvirtDemo {
    static final String VM = "demo-libvirt";

    private final Home home;
    private final Progress progress;

    public LibvirtDemo(Home home, Progress progress) {
        this.home = home;
        this.progress = progress;
    }

    public LibvirtDemoReport run() {
        GuestImage image = new GuestBuilder(home).ensure("demo", progress::step);
        try (LibvirtLab lab = LibvirtLab.start(home, "lvdemo", 71, 1, progress)) {
            LibvirtLab.DemoDomain d = lab.demoDomain(image, VM, lab.hosts().get(0), 0, "512");
            VmSpec spec = SpecLoader.forThisHost(home.vms()).load(d.spec());
            StateDir state = home.stateDir(spec.name());
            Durable.deleteTree(state.path()); // the lab's own VM: no journal of an earlier run applies
            try (LibvirtEngine engine = LibvirtEngine.connect(Optional.of(d.host().uri()))) {
                RunClock clock = RunClock.start();
                List<RebootMeasurement> runs = new ArrayList<>();
                for (Method m : List.of(Method.NORMAL, Method.BACKGROUND)) {
                    progress.step("== " + m.label() + " reboot of " + VM + " (libvirt) from a fresh start ==");
                    lab.define(d, m == Method.NORMAL);
                    Vm vm = engine.vm(spec, state);
                    freshStart(vm);
                    Vm started = engine.vm(spec, state);
                    RebootOptions opts = RebootOptions.background(clock).with(m);
                    runs.add(MeasuredReboot.run(MeasuredReboot.serviceUri(started.spec()), clock, progress, () -> Reboots.run(started, opts, progress)));
                }
                Vm vm = engine.vm(spec, state);
                List<String> leftovers = vm.inspection().leftovers();
                List<String> running = vm.instances().stream().map(Instance::describe).toList();
                LibvirtDemoReport.ColdBoot cold = coldBoot(vm, runs.get(runs.size() - 1), image);
                DemoReport report = new DemoReport(VM, engine.name(), "bridge", "tcg (libvirt domain type qemu)", runs, leftovers);
                return new LibvirtDemoReport(report, running, cold, image.last().kernelRelease(), image.last().version());
            }
        }
    }

    private void freshStart(Vm vm) {
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "fresh start of " + vm.spec().name());
             Instance i = vm.coldBoot(vm.state(), "starting " + vm.spec().name() + " fresh (v1)", progress)) {
            VmBoot.await(vm, i, progress);
        }
    }

    /**
     * The VM's persistent definition, cold-booted after the switch: which kernel and version
     * answer, and whether every write the background reboot's writer saw acknowledged is on the
     * persistent disk it boots with.
     */
    private LibvirtDemoReport.ColdBoot coldBoot(Vm vm, RebootMeasurement background, GuestImage image) {
        progress.step("== cold boot of " + VM + "'s persistent definition ==");
        double start = System.nanoTime() / 1e6;
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "cold boot of " + vm.spec().name())) {
            PowerOff.stop(vm, Duration.ofSeconds(60), progress);
            try (Instance i = vm.coldBoot(vm.state(), "starting " + VM + "'s definition", progress)) {
                VmBoot.await(vm, i, progress);
                double readyMs = System.nanoTime() / 1e6 - start;
                URI service = MeasuredReboot.serviceUri(vm.spec());
                JsonNode id = new ObjectMapper().readTree(RawHttp.get(service, Duration.ofSeconds(5)).body());
                LedgerCheckResult ledger = LedgerCheck.check(background.writes(), LedgerCheck.fetch(service, Duration.ofSeconds(10)));
                return new LibvirtDemoReport.ColdBoot(i.describe(), id.path("kernel").asText(), id.path("version").asText(),
                        ledger.ackedCount(), ledger.missingAcked().size(), readyMs, "");
            }
        } catch (IOException | RuntimeException e) {
            return new LibvirtDemoReport.ColdBoot("", "", "", 0, 0, Double.NaN, e.getMessage());
        }
    }
}
