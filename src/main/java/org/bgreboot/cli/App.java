package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.Specs;
import org.bgreboot.vm.Accel;
import org.bgreboot.vm.AccelChoice;
import org.bgreboot.vm.AccelDetector;
import org.bgreboot.vm.QemuLauncher;
import org.bgreboot.vm.SpecLoader;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmSpec;

/** What every command needs, made on demand (QEMU is looked up only by commands that run it). */
final class App {
    final Home home = Home.fromEnvironment();
    final Progress progress = Progress.printingTo(System.err);

    Specs specs() {
        return new Specs(home, SpecLoader.forThisHost(home.vms()));
    }

    Vm vm(String ref) {
        return Vm.of(specs().resolve(ref, progress), home);
    }

    QemuLauncher launcher() {
        return QemuLauncher.fromEnvironment();
    }

    /** KVM if it really works here, else TCG; printed so nobody wonders why a boot is slow. */
    AccelChoice accel(Optional<Accel> forced, VmSpec spec) {
        AccelDetector detector = new AccelDetector(QemuLauncher.qemuBinary(), home.cache().resolve("accel.json"));
        AccelChoice choice = detector.choose(forced, () -> probeKernel(spec));
        progress.step("accelerator: " + choice);
        return choice;
    }

    /** A kernel for the KVM test boot: the VM's own when it boots one directly, else the demo guest's. */
    private Path probeKernel(VmSpec spec) {
        return spec.boot().map(VmSpec.KernelBoot::kernel).orElseGet(() -> {
            var demo = new GuestBuilder(home).ensure("demo", progress::step);
            return demo.kernel(demo.first()).orElseThrow();
        });
    }
}
