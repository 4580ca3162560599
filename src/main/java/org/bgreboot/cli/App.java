package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Engine;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.embedded.AccelChoice;
import org.bgreboot.engine.embedded.AccelDetector;
import org.bgreboot.engine.embedded.EmbeddedEngine;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.Specs;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/** What every command needs, made on demand (QEMU is looked up only by commands that run it). */
final class App {
    final Home home = Home.fromEnvironment();
    final Progress progress = Progress.printingTo(System.err);
    private final EngineOptions options;
    private AccelChoice accel;
    private LibvirtEngine libvirt;

    App(EngineOptions options) {
        this.options = options == null ? new EngineOptions() : options;
    }

    Specs specs() {
        return new Specs(home, SpecLoader.forThisHost(home.vms()));
    }

    Engine engine() {
        return EmbeddedEngine.fromEnvironment(this::accel);
    }

    /**
     * The VM {@code ref} names, on its engine: a libvirt domain when --connect is given or its spec
     * names one ([libvirt]), else the embedded engine. With --connect, a bare name is a VM's stable
     * name or a domain's name on that host, whose spec is registered here or kept in its metadata.
     */
    Vm vm(String ref) {
        Optional<String> connect = EngineOptions.connect();
        if (connect.isPresent() && !isSpecFile(ref)) {
            LibvirtEngine e = libvirt(connect);
            VmSpec spec = libvirtSpec(e, ref).connectingTo(e.uri());
            return e.vm(spec, home.stateDir(spec.name()));
        }
        VmSpec spec;
        try {
            spec = specs().resolve(ref, progress);
        } catch (UserError notFound) {
            Optional<String> defaultUri = Optional.ofNullable(System.getenv("LIBVIRT_DEFAULT_URI")).filter(u -> !u.isBlank());
            if (isSpecFile(ref) || defaultUri.isEmpty()) {
                throw notFound;
            }
            LibvirtEngine e = libvirt(defaultUri); // as virsh would: a domain of the default libvirt host
            VmSpec found = libvirtSpec(e, ref);
            return e.vm(found, home.stateDir(found.name()));
        }
        if (spec.libvirt().isPresent()) {
            LibvirtEngine e = libvirt(connect.or(() -> spec.libvirt().get().connect()));
            return e.vm(spec.connectingTo(e.uri()), home.stateDir(spec.name()));
        }
        if (connect.isPresent()) {
            throw new UserError("--connect applies to libvirt domains, but spec " + spec.file() + " names none (it has no [libvirt] section): "
                    + "drop --connect, or give a libvirt spec (engine = \"libvirt\")");
        }
        return engine().vm(spec, home.stateDir(spec.name()));
    }

    /** A libvirt host, connected once per command. */
    LibvirtEngine libvirt(Optional<String> uri) {
        if (libvirt == null) {
            libvirt = LibvirtEngine.connect(uri);
        }
        return libvirt;
    }

    /** The libvirt host this command connected to, if it did. */
    Optional<LibvirtEngine> libvirtInUse() {
        return Optional.ofNullable(libvirt);
    }

    private static boolean isSpecFile(String ref) {
        return ref.endsWith(".toml") || ref.contains("/");
    }

    /** A spec registered here under {@code ref} that names a libvirt domain, else the one in the domain's metadata. */
    private VmSpec libvirtSpec(LibvirtEngine e, String ref) {
        Path registered = home.specs().resolve(ref + ".toml");
        if (ref.matches("[a-z0-9][a-z0-9_-]{0,31}") && java.nio.file.Files.exists(registered)) {
            VmSpec s = SpecLoader.forThisHost(home.vms()).load(registered);
            if (s.libvirt().isPresent()) {
                return s;
            }
        }
        return e.specOf(ref, SpecLoader.forThisHost(home.vms())).orElseThrow(() -> new UserError("no domain or VM named '" + ref + "' on "
                + e.uri() + ": 'virsh -c " + e.uri() + " list --all' lists its domains"));
    }

    /**
     * The VM to stop or inspect. When its spec no longer loads (edited, broken) but the VM runs,
     * the spec it was started with stands in: stopping or looking at a running VM never needs a valid spec.
     */
    Vm runningVm(String ref) {
        try {
            return vm(ref);
        } catch (UserError e) {
            if (!ref.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
                throw e;
            }
            Engine engine = engine();
            Optional<VmSpec> launched = engine.runningSpec(home.stateDir(ref));
            if (launched.isEmpty()) {
                throw e;
            }
            progress.step("the spec of " + ref + " does not load (" + e.getMessage() + "); using the one it was started with");
            return engine.vm(launched.get(), home.stateDir(ref));
        }
    }

    /** KVM if it really works here, else TCG; printed so nobody wonders why a boot is slow. Asked once. */
    synchronized AccelChoice accel() {
        if (accel == null) {
            AccelDetector detector = new AccelDetector(EmbeddedEngine.qemuBinary(), home.cache().resolve("accel.json"));
            accel = detector.choose(Optional.ofNullable(options.accel), this::probeKernel);
            progress.step("accelerator: " + accel);
        }
        return accel;
    }

    /** A kernel for the KVM test boot: the demo guest's. */
    private Path probeKernel() {
        var demo = new GuestBuilder(home).ensure("demo", progress::step);
        return demo.kernel(demo.first()).orElseThrow();
    }
}
