package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.bgreboot.Sleep;
import org.bgreboot.UserError;
import org.bgreboot.qmp.QmpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts QEMU processes, each in a session of its own with its output in its runtime directory's
 * qemu.log, so a VM outlives the bgreboot command that started it and a failed start still says why.
 * A background clone runs at idle CPU priority, in the idle I/O class and on the last CPUs only
 * (see {@link Priority}), so the serving VM keeps its share.
 */
public final class QemuLauncher {
    private static final Logger log = LoggerFactory.getLogger(QemuLauncher.class);

    private final Path qemu;

    public QemuLauncher(Path qemu) {
        this.qemu = qemu;
    }

    /** QEMU from {@code BGREBOOT_QEMU} or the PATH; a clear error when it is not installed. */
    public static QemuLauncher fromEnvironment() {
        return new QemuLauncher(qemuBinary());
    }

    public static Path qemuBinary() {
        String override = System.getenv("BGREBOOT_QEMU");
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            if (!Files.isExecutable(p)) {
                throw new UserError("QEMU not found at " + p + " (BGREBOOT_QEMU): install qemu-system-x86 or fix BGREBOOT_QEMU");
            }
            return p;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "qemu-system-x86_64");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new UserError("qemu-system-x86_64 is not installed: install the Debian package qemu-system-x86 (apt-get install qemu-system-x86; from a checkout, ./bgreboot installs it)");
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /** A UNIX socket address holds 107 bytes of path (108 with the NUL). */
    static final int MAX_SOCKET_PATH = 107;

    /** A QEMU that has started: its pid and the QMP connection that saw it start. */
    record Started(long pid, QmpClient qmp) {}

    Started launch(Launch l) {
        Path longest = l.runtime().observerSocket();
        if (longest.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new UserError("the state directory " + l.runtime().dir() + " is too deep for QEMU's UNIX sockets (" + longest
                    + " is longer than " + MAX_SOCKET_PATH + " bytes): set BGREBOOT_HOME to a shorter path");
        }
        if (l.runtime().dir().toString().contains(",")) {
            throw new UserError("the state directory " + l.runtime().dir() + " has a comma in its path, which QEMU's options cannot hold: "
                    + "set BGREBOOT_HOME to a path without one");
        }
        // sh sets the umask, setsid keeps the VM out of the terminal's signals; each execs the next,
        // so the process we start is QEMU itself
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "umask 077 && exec \"$@\"", "bgreboot-qemu", "setsid"));
        if (l.idle()) {
            argv.addAll(List.of("taskset", "-c", Priority.cloneCpus(l.spec().cpus()), "ionice", "-c", "3", "chrt", "--idle", "0"));
        }
        String netns = l.spec().network().netns();
        if (l.tap().isPresent() && !netns.isEmpty()) {
            // only the network namespace: its tap lives there; QMP and agent sockets are paths, reached from anywhere
            argv.addAll(List.of("nsenter", "--net=/run/netns/" + netns, "--"));
        }
        argv.addAll(QemuCommand.argv(qemu, l));
        log.debug("launching {}", argv);
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(l.runtime().qemuLog().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + qemu, e);
        }
        QmpClient qmp = awaitStarted(p, l);
        restrictSockets(l.runtime());
        return new Started(p.pid(), qmp);
    }

    /**
     * QEMU has started once its QMP monitor answers: by then the machine is built, kernel loaded,
     * images opened and locked. If it exits first, its own message (in qemu.log) says why.
     */
    private static QmpClient awaitStarted(Process p, Launch l) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new UserError("QEMU refused to start " + l.spec().name() + ": " + firstError(qemuLogText(l.runtime())));
            }
            if (Files.exists(l.runtime().qmpSocket())) {
                QmpClient q = null;
                try {
                    q = QmpClient.connect(l.runtime().qmpSocket(), Duration.ofSeconds(2));
                    q.execute("query-status");
                    return q;
                } catch (RuntimeException e) {
                    if (q != null) {
                        q.close(); // the monitor serves one client: a half-open one would block the retry
                    }
                    log.debug("QMP not up yet: {}", e.toString());
                }
            }
            Sleep.ms(10);
        }
        p.destroyForcibly();
        throw new UserError("QEMU did not finish starting " + l.spec().name() + " within " + START_TIMEOUT.toSeconds() + " s; see " + l.runtime().qemuLog());
    }

    private static String qemuLogText(RuntimeDir r) {
        try {
            return Files.readString(r.qemuLog()).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** QEMU's message without the program prefix and the long option echo; one line. */
    static String firstError(String output) {
        String line = output.lines().filter(s -> !s.isBlank()).findFirst().orElse("exit status non-zero, no message");
        line = line.replaceFirst("^\\S*qemu-system-x86_64: ", "");
        // "-blockdev driver=file,filename=/x,node-name=y: Could not open '/x': No such file" -> keep the reason
        int colon = line.startsWith("-") ? line.indexOf(": ") : -1;
        String rest = output.lines().skip(1).filter(s -> !s.isBlank()).findFirst().map(s -> " (" + s.strip() + ")").orElse("");
        return (colon > 0 ? line.substring(colon + 2) : line) + rest;
    }

    /** Sockets get 0600: the runtime directory is 0700 already, this is the second lock on the door. */
    private static void restrictSockets(RuntimeDir r) {
        for (Path s : List.of(r.qmpSocket(), r.observerSocket(), r.agentSocket())) {
            try {
                Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot restrict " + s, e);
            }
        }
    }
}
