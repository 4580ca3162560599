package org.bgreboot.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A clean Debian 12 root, as debootstrap makes it (minbase, plus man-db to read man pages), entered
 * with chroot: the host a Debian package is installed on. debootstrap runs once per set of inputs
 * (suite, mirror, packages, debootstrap's version); its root is kept as a tarball in the cache and
 * unpacked fresh for each test. Only /proc is mounted inside (the root has its own /dev nodes),
 * and apt's archive directory, so packages are downloaded once.
 */
final class DebianRoot implements AutoCloseable {
    static final String SUITE = "bookworm";
    private static final List<String> INCLUDE = List.of("man-db");
    private static final String PATH = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

    /** What ran inside the root: its exit status and its output (stderr merged). */
    record Run(String script, int exit, String output) {
        Run ok() {
            if (exit != 0) {
                throw new AssertionError("in the Debian root, exit " + exit + ": " + script + "\n" + tail(output, 40));
            }
            return this;
        }
    }

    private final Path dir;
    private final Path root;
    private final List<Path> mounts = new ArrayList<>();

    private DebianRoot(Path dir) {
        this.dir = dir;
        this.root = dir.resolve("root");
    }

    /** A fresh root from the cached base (made first if its inputs changed), with apt's archives in {@code cache}. */
    static DebianRoot fresh(Path cache) throws IOException {
        Path base = base(cache);
        Path archives = Files.createDirectories(cache.resolve("apt-archives/partial")).getParent();
        DebianRoot r = new DebianRoot(Files.createTempDirectory("bgreboot-debian-root-"));
        try {
            Files.createDirectories(r.root);
            host(Duration.ofMinutes(5), "bash", "-o", "pipefail", "-c", "zstd -dc '" + base + "' | tar --numeric-owner -C '" + r.root + "' -x").ok();
            Files.copy(Path.of("/etc/resolv.conf"), r.root.resolve("etc/resolv.conf"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            // no service starts inside a chroot (policy-rc.d, as Debian's build chroots have it)
            Path policy = r.root.resolve("usr/sbin/policy-rc.d");
            Files.writeString(policy, "#!/bin/sh\nexit 101\n");
            policy.toFile().setExecutable(true, false);
            r.mount(List.of("mount", "-t", "proc", "proc"), r.root.resolve("proc"));
            r.mount(List.of("mount", "--bind", archives.toString()), r.root.resolve("var/cache/apt/archives"));
            return r;
        } catch (IOException | RuntimeException | Error e) {
            r.close();
            throw e;
        }
    }

    /** The path of {@code inRoot} (absolute inside the root) seen from the host. */
    Path path(String inRoot) {
        return root.resolve(inRoot.replaceFirst("^/+", ""));
    }

    /** Runs {@code script} with sh inside the root, as root, with a clean environment. */
    Run sh(Duration timeout, String script) {
        Run r = host(timeout, "chroot", root.toString(), "env", "-i", PATH, "HOME=/root", "LC_ALL=C.UTF-8",
                "DEBIAN_FRONTEND=noninteractive", "sh", "-c", script);
        return new Run(script, r.exit(), r.output());
    }

    Run sh(String script) {
        return sh(Duration.ofMinutes(2), script);
    }

    private void mount(List<String> command, Path at) {
        List<String> argv = new ArrayList<>(command);
        argv.add(at.toString());
        host(Duration.ofSeconds(30), argv.toArray(String[]::new)).ok();
        mounts.add(at);
    }

    /** Unmounts what it mounted, innermost first, then deletes the root, never across a mount left behind. */
    @Override public void close() {
        List<String> failed = new ArrayList<>();
        for (int i = mounts.size() - 1; i >= 0; i--) {
            Path m = mounts.get(i);
            if (host(Duration.ofSeconds(30), "umount", m.toString()).exit() != 0
                    && host(Duration.ofSeconds(30), "umount", "--lazy", m.toString()).exit() != 0) {
                failed.add(m.toString());
            }
        }
        mounts.clear();
        try {
            String prefix = dir + "/";
            boolean stillMounted = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4]).anyMatch(p -> p.startsWith(prefix));
            if (!failed.isEmpty() || stillMounted) {
                throw new IllegalStateException("left " + dir + " in place: still mounted inside it " + failed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        host(Duration.ofMinutes(2), "rm", "-rf", "--one-file-system", dir.toString()).ok();
    }

    /** The cached base tarball, made by debootstrap when its inputs have none yet. */
    static Path base(Path cache) throws IOException {
        Files.createDirectories(cache);
        String mirror = System.getenv().getOrDefault("BGREBOOT_DEBIAN_MIRROR", "http://deb.debian.org/debian");
        String debootstrap = host(Duration.ofSeconds(30), "dpkg-query", "-W", "-f=${Version}", "debootstrap").ok().output().strip();
        String key = "format=1 suite=" + SUITE + " variant=minbase arch=amd64 include=" + String.join(",", INCLUDE)
                + " mirror=" + mirror + " debootstrap=" + debootstrap;
        Path tarball = cache.resolve("debian12-root-" + sha256(key).substring(0, 16) + ".tar.zst");
        if (Files.exists(tarball)) {
            return tarball;
        }
        try (FileChannel lock = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = lock.lock()) {
            if (Files.exists(tarball)) {
                return tarball;
            }
            Path work = Files.createTempDirectory(cache, ".debootstrap-");
            try {
                System.out.println("  debootstrap " + SUITE + " (minbase + " + String.join(", ", INCLUDE) + ") from " + mirror + ", once");
                host(Duration.ofMinutes(20), "debootstrap", "--variant=minbase", "--arch=amd64", "--include=" + String.join(",", INCLUDE),
                        SUITE, work.resolve("root").toString(), mirror).ok();
                Path partial = work.resolve("root.tar.zst");
                host(Duration.ofMinutes(5), "bash", "-o", "pipefail", "-c",
                        "tar --numeric-owner -C '" + work.resolve("root") + "' -c . | zstd -q -T0 -3 > '" + partial + "'").ok();
                try (var old = Files.list(cache)) {
                    for (Path p : old.filter(p -> p.getFileName().toString().matches("debian12-root-.*\\.tar\\.zst")).toList()) {
                        Files.delete(p); // one base at a time: another key's is of no more use
                    }
                }
                Files.move(partial, tarball);
                Files.writeString(cache.resolve(tarball.getFileName() + ".key"), key + "\n");
                return tarball;
            } finally {
                host(Duration.ofMinutes(2), "rm", "-rf", "--one-file-system", work.toString());
            }
        }
    }

    /** Runs a host program to its end (or kills it at the timeout): exit status and output. */
    static Run host(Duration timeout, String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // the process ended
                }
            });
            reader.start();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                reader.join(5000);
                throw new AssertionError(String.join(" ", argv) + " did not finish in " + timeout + "\n" + tail(out.toString(), 40));
            }
            reader.join();
            return new Run(String.join(" ", argv), p.exitValue(), out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String tail(String text, int lines) {
        List<String> l = text.lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
    }
}
