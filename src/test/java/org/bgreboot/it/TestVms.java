package org.bgreboot.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.experiment.Lab;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.engine.embedded.AccelChoice;
import org.bgreboot.engine.embedded.AccelDetector;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.engine.embedded.EmbeddedEngine;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.engine.Vm;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/**
 * Real VMs for integration tests: the demo guest (built once into the shared cache, like a user's
 * first run), VM specs in a private home per test JVM, free host ports. Nothing here is mocked.
 */
public final class TestVms {
    public static final Path REPO = Path.of(System.getProperty("user.dir"));
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static Home home;
    private static GuestImage demo;
    private static AccelChoice accel;

    private TestVms() {}

    public static synchronized Home home() {
        if (home == null) {
            try {
                Path dir = Files.createTempDirectory(FinishedHomes.PREFIX);
                FinishedHomes.own(dir);
                int removed = FinishedHomes.removeBeside(dir);
                if (removed > 0) {
                    System.out.println("removed " + removed + " finished test home(s) beside " + dir + " (the newest is kept)");
                }
                home = new Home(dir, Home.fromEnvironment().cache(), REPO);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return home;
    }

    public static Progress progress() {
        return Progress.printingTo(System.out);
    }

    public static synchronized GuestImage demoImage() {
        if (demo == null) {
            demo = new GuestBuilder(home()).ensure("demo", line -> System.out.println("  " + line));
        }
        return demo;
    }

    public static synchronized AccelChoice accel() {
        if (accel == null) {
            AccelDetector d = new AccelDetector(EmbeddedEngine.qemuBinary(), home().cache().resolve("accel.json"));
            accel = d.choose(Optional.empty(), () -> demoImage().kernel(demoImage().first()).orElseThrow());
            System.out.println("accelerator: " + accel);
        }
        return accel;
    }

    /** The embedded engine, as the CLI makes it. */
    public static EmbeddedEngine engine() {
        return EmbeddedEngine.fromEnvironment(TestVms::accel);
    }

    public static Lab lab() {
        return new Lab(progress());
    }

    /** The VM of a spec file, on the embedded engine. */
    public static EmbeddedVm vm(Path spec) {
        VmSpec s = SpecLoader.forThisHost().load(spec);
        return engine().vm(s, home().stateDir(s.name()));
    }

    /** The VM of a spec file, with its state under another bgreboot home. */
    public static EmbeddedVm vm(Path spec, Home other) {
        VmSpec s = SpecLoader.forThisHost().load(spec);
        return engine().vm(s, other.stateDir(s.name()));
    }

    /** A fresh demo VM (new name, new port, a pristine persistent disk), not started. */
    public static EmbeddedVm newDemoVm(String prefix) {
        return vm(writeDemoSpec(prefix));
    }

    public static Path writeDemoSpec(String prefix) {
        String name = prefix + "-" + COUNTER.incrementAndGet();
        Path spec = home().specs().resolve(name + ".toml");
        Path persistent = home().home().resolve("data").resolve(name).resolve("persist.img");
        return GuestSpecs.write(new GuestSpecs.Request(name, demoImage(), ByteSize.ofMiB(512), freePort(), persistent), spec);
    }

    /** A demo VM with its own address on a test network's bridge. */
    public static Path writeBridgedDemoSpec(String prefix, GuestSpecs.Bridge place) {
        String name = prefix + "-" + COUNTER.incrementAndGet();
        Path spec = home().specs().resolve(name + ".toml");
        Path persistent = home().home().resolve("data").resolve(name).resolve("persist.img");
        return GuestSpecs.write(new GuestSpecs.Request(name, demoImage(), ByteSize.ofMiB(512), 0, persistent, Optional.of(place)), spec);
    }

    /** Rewrites a spec's text and loads it (a variant: another readiness command, a shorter timeout...). */
    public static VmSpec variant(Path spec, java.util.function.UnaryOperator<String> edit) {
        rewrite(spec, edit);
        return SpecLoader.forThisHost().load(spec);
    }

    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites a spec's text (to make it wrong, say). */
    public static void rewrite(Path spec, java.util.function.UnaryOperator<String> edit) {
        try {
            Files.writeString(spec, edit.apply(Files.readString(spec)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- helpers for the fault, bad-input, security and soak tests ------------------------------

    /** The VM name of a spec written by {@link #writeDemoSpec} (its file name without .toml). */
    public static String nameOf(Path spec) {
        return spec.getFileName().toString().replaceFirst("\\.toml$", "");
    }

    /** Live QEMU processes of a VM: every qemu-system process naming a path in its state directory. */
    public static java.util.List<Long> qemuPids(Vm vm) {
        String dir = vm.stateDir().path() + "/";
        try (java.util.stream.Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.map(ProcessHandle::pid).filter(org.bgreboot.engine.embedded.Liveness::alive).filter(pid -> {
                String cmd = org.bgreboot.engine.embedded.Liveness.cmdline(pid);
                return cmd.contains("qemu-system") && cmd.contains(dir);
            }).sorted().toList();
        }
    }

    /** Every process that has {@code file} open, from /proc/PID/fd (as {@link OpenFileWatch} looks). */
    public static java.util.List<Long> processesWithOpen(Path file) {
        Path target = file.toAbsolutePath();
        java.util.List<Long> found = new java.util.ArrayList<>();
        try (java.util.stream.Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            for (ProcessHandle h : (Iterable<ProcessHandle>) all::iterator) {
                try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/" + h.pid() + "/fd"))) {
                    if (fds.anyMatch(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(target);
                        } catch (IOException e) {
                            return false;
                        }
                    })) {
                        found.add(h.pid());
                    }
                } catch (IOException | SecurityException e) {
                    // gone meanwhile, or not ours to look at
                }
            }
        }
        return found;
    }

    /** Polls until {@code condition} holds; fails naming what was awaited. */
    public static void await(String what, java.time.Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
