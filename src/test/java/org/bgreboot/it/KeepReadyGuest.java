package org.bgreboot.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.bgreboot.HostCommand;
import org.bgreboot.contract.KeepInstall;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.experiment.postgres.KeepBench;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestPackages;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.testnet.TestNetwork;

/**
 * The debian-postgres guest after {@code guest install --keep-state} ({@link KeepInstall}, through
 * the agent of a real VM, as a user runs it): criu and bgreboot-keep installed, PostgreSQL set up to
 * run under bgreboot-keep. Under TCG that install takes two to three minutes of apt, so it is kept
 * in the guest cache like a built guest, keyed on what made it (the base guest's build, the
 * sources of bgreboot-keep, the classes that install it), and made again when any of those change.
 * Its system disk is a qcow2 layer over the base guest's; the persistent disk is the base guest's.
 */
final class KeepReadyGuest {
    private static final String KIND = "debian-postgres-keep";

    private KeepReadyGuest() {}

    /** The keep-ready guest made from {@code base}; made first if the cache lacks it (a VM on {@code net}, minutes). */
    static GuestImage ensure(GuestImage base, TestNetwork net) {
        Path cache = TestVms.home().cache().resolve("guests");
        Path dir = cache.resolve(KIND + "-" + key(base));
        try {
            Files.createDirectories(cache);
            try (FileChannel ch = FileChannel.open(cache.resolve("." + KIND + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = ch.lock()) {
                if (!Files.exists(dir.resolve("guest.json"))) {
                    make(base, net, dir);
                } else {
                    System.out.println("  " + KIND + ": cached in " + dir);
                }
            }
            return GuestImage.read(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void make(GuestImage base, TestNetwork net, Path dir) throws IOException {
        long t0 = System.nanoTime();
        System.out.println("  " + KIND + ": installing bgreboot-keep into a VM of " + base.dir().getFileName() + " (once per change of its inputs)");
        String name = "kready-" + System.nanoTime() % 100000;
        Path persistent = TestVms.home().home().resolve("data").resolve(name).resolve("persist.img");
        Path spec = GuestSpecs.write(new GuestSpecs.Request(name, base, ByteSize.ofMiB(1024), 0, persistent, java.util.Optional.of(net.place(0))),
                TestVms.home().specs().resolve(name + ".toml"));
        EmbeddedVm vm = TestVms.vm(spec);
        Path overlay;
        try {
            TestVms.lab().freshStart(vm);
            KeepBench.prepare(TestVms.home(), vm, net, TestVms.progress());
            try (Instance i = vm.serving().orElseThrow()) {
                // the test network's address is given anew on every boot of the cached guest
                i.agent().exec(List.of("rm", "-f", "/etc/systemd/network/10-virtio.network.d/bgreboot-testnet.conf"), Duration.ofSeconds(30));
                i.agent().exec(List.of("sync"), Duration.ofSeconds(60));
            }
        } finally {
            TestVms.lab().stop(vm);
        }
        overlay = vm.state().systemOverlays().get(0);
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        HostCommand.run(List.of("rm", "-rf", tmp.toString()));
        Files.createDirectories(tmp);
        // what the install changed, as a layer over the base guest's system disk
        HostCommand r = HostCommand.run(List.of("qemu-img", "convert", "-O", "qcow2", "-B", base.systemDisk().toString(), "-F", "qcow2",
                overlay.toString(), tmp.resolve(base.manifest().systemDisk()).toString()));
        if (!r.ok()) {
            throw new IllegalStateException("qemu-img convert of " + overlay + " failed: " + r.firstLine());
        }
        Files.createSymbolicLink(tmp.resolve(base.manifest().persistentDisk()), base.persistentDisk());
        Files.copy(base.dir().resolve("guest.json"), tmp.resolve("guest.json"));
        try (Stream<Path> old = Files.list(dir.getParent())) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith(KIND + "-") && !p.equals(tmp)).toList()) {
                HostCommand.run(List.of("rm", "-rf", p.toString())); // an older keep-ready guest: its inputs changed
            }
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        HostCommand.run(List.of("rm", "-rf", TestVms.home().home().resolve("data").resolve(name).toString()));
        System.out.printf("  %s: made in %.1f min: %s%n", KIND, (System.nanoTime() - t0) / 60e9, dir);
    }

    /** What the keep-ready guest is made of: the base build, bgreboot-keep's sources, and the classes that install it. */
    private static String key(GuestImage base) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(base.dir().getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Path keep = TestVms.home().guestSources().resolve("keep");
            try (Stream<Path> files = Files.walk(keep)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    d.update(keep.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    d.update(Files.readAllBytes(f));
                }
            }
            for (Class<?> c : List.of(KeepInstall.class, KeepBench.class, GuestPackages.class)) {
                try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                    d.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
