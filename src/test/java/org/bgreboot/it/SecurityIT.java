package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.FaultPoint;
import org.bgreboot.reboot.Journal;
import org.bgreboot.engine.embedded.Liveness;
import org.bgreboot.engine.embedded.QemuProcess;
import org.bgreboot.engine.embedded.RuntimeDir;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a clone may reach, who may open a VM's sockets, and that nothing given as a command is ever
 * run through a shell, in the guest or on the host.
 */
@ExtendWith(KillStrayVms.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT {
    private static final Duration EXEC = Duration.ofSeconds(60);
    private static Path specFile;
    private static String name;
    private static EmbeddedVm vm;

    @BeforeAll
    static void startTheVm() {
        specFile = TestVms.writeDemoSpec("sec");
        name = TestVms.nameOf(specFile);
        vm = TestVms.vm(specFile);
        TestVms.lab().freshStart(vm);
    }

    @AfterAll
    static void stopTheVm() {
        if (vm != null) {
            if (Journal.active(vm.stateDir()).isPresent()) {
                Cli.run("recover", name);
            }
            TestVms.lab().stop(vm);
            assertThat(TestVms.qemuPids(vm)).isEmpty();
        }
    }

    @Test
    @Order(1)
    void stateAndRuntimeDirectoriesAre0700AndSockets0600() throws IOException {
        assertPrivate(vm.stateDir().path());
        try (QemuProcess p = vm.running().orElseThrow()) {
            assertThat(sockets(p.runtime().dir())).as("the serving QEMU's sockets").hasSizeGreaterThanOrEqualTo(2);
        }
    }

    /**
     * A clone left up with its link down (bgreboot killed right after it became ready) tries to
     * reach a listener on the host's loopback through QEMU user networking (10.0.2.2 is the host
     * there) and elsewhere: nothing gets through. The VM itself, as a control, reaches the listener.
     */
    @Test
    @Order(2)
    void theCloneCannotReachTheHostBeforeTheSwitch() throws Exception {
        int generation = vm.stateDir().readState().orElseThrow().generation();
        try (Listener listener = new Listener()) {
            Cli.Run killed = Cli.run(Map.of(FaultPoint.ENV, "after:await_ready"), "reboot", name);
            assertThat(killed.exit()).isEqualTo(137);
            RuntimeDir clone = vm.runtime(generation + 1);
            long clonePid = Long.parseLong(Files.readString(clone.pidFile()).strip());
            assertThat(Liveness.alive(clonePid)).as("the clone is up").isTrue();
            assertPrivate(vm.stateDir().path());
            assertThat(sockets(clone.dir())).as("the clone's sockets").hasSizeGreaterThanOrEqualTo(2);

            try (GuestAgent bg = GuestAgent.connect(clone.agentSocket(), Duration.ofSeconds(10))) {
                assertThat(bg.exec(List.of("cat", "/sys/class/net/eth0/carrier"), EXEC).stdoutText().strip())
                        .as("the clone's NIC has no carrier").isEqualTo("0");
                // busybox's wget -T crashes in this guest: nc -w bounds the connect, the agent call bounds wget
                ExecResult nc = bg.exec(List.of("nc", "-w", "3", "10.0.2.2", String.valueOf(listener.port())), EXEC);
                assertThat(nc.ok()).as("nc from the clone to the host: " + nc).isFalse();
                ExecResult wget = bg.exec(List.of("wget", "-q", "-O", "-", "http://10.0.2.2:" + listener.port() + "/"), EXEC);
                assertThat(wget.ok()).as("wget from the clone to the host: " + wget).isFalse();
                ExecResult dns = bg.exec(List.of("nc", "-w", "3", "10.0.2.3", "53"), EXEC);
                assertThat(dns.ok()).as("nc from the clone to QEMU's DNS: " + dns).isFalse();
                ExecResult outside = bg.exec(List.of("nc", "-w", "3", "1.1.1.1", "80"), EXEC);
                assertThat(outside.ok()).as("nc from the clone to the outside: " + outside).isFalse();
            }
            assertThat(listener.connections()).as("connections from the clone").isZero();

            try (QemuProcess fg = vm.running().orElseThrow()) {
                ExecResult control = fg.agent().exec(List.of("nc", "-w", "3", "10.0.2.2", String.valueOf(listener.port())), EXEC);
                assertThat(control.ok()).as("the VM itself reaches the host: " + control).isTrue();
                assertThat(control.stdoutText()).contains("hello from the host");
            }
            TestVms.await("the VM's connection", Duration.ofSeconds(10), () -> listener.connections() >= 1);
        }
        Cli.Run recovered = Cli.run("recover", name);
        assertThat(recovered.exit()).as(recovered.stderr()).isEqualTo(3); // the reboot's outcome: aborted (rolled back)
        assertThat(recovered.stdout()).contains("rolled back");
        FaultIT.assertOneServingVm(vm);
        FaultIT.assertNothingLeftToRecover(Map.of(), name);
    }

    /** An argument with shell syntax in it reaches the guest program as it is, through the CLI and the API. */
    @Test
    @Order(3)
    void guestCommandsAreArgvArraysOnly() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        List<String> markers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            markers.add("/tmp/pwned-" + id + "-" + i);
        }
        Cli.Run ls = Cli.run("vm", "exec", name, "--", "ls", "; touch " + markers.get(0));
        assertThat(ls.exit()).as("ls of a file named '; touch ...'").isNotZero();
        assertThat(ls.stderr()).contains("; touch " + markers.get(0));

        List<String> args = List.of("$(touch " + markers.get(1) + ")", "`touch " + markers.get(2) + "`", "&& touch " + markers.get(3));
        List<String> echo = new ArrayList<>(List.of("vm", "exec", name, "--", "echo"));
        echo.addAll(args);
        Cli.Run printed = Cli.run(echo.toArray(String[]::new));
        assertThat(printed.exit()).isZero();
        assertThat(printed.stdout().strip()).isEqualTo(String.join(" ", args));

        try (QemuProcess p = vm.running().orElseThrow()) {
            ExecResult r = p.agent().exec(List.of("echo", "| touch " + markers.get(4)), EXEC);
            assertThat(r.stdoutText().strip()).isEqualTo("| touch " + markers.get(4));
            for (String m : markers) {
                assertThat(p.agent().exec(List.of("test", "-e", m), EXEC).exitCode()).as("in the guest: " + m).isEqualTo(1);
                assertThat(Path.of(m)).as("on the host: " + m).doesNotExist();
            }
        }
    }

    /**
     * The paper-faithful restore switch saves the clone through QEMU's {@code exec:} migration, which
     * QEMU runs with /bin/sh. The state path comes from bgreboot's home; a home whose path holds
     * shell syntax must neither run it on the host nor break the reboot.
     */
    @Test
    @Order(4)
    void theRestoreSwitchRunsNoShellSyntaxFromTheStatePath() throws Exception {
        // short paths: the VM's socket paths must stay within the 107 bytes a UNIX socket address holds
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path marker = Path.of("/tmp/bgpw" + id);
        Path home = Path.of("/tmp/bgq" + id + "'$(touch " + marker + ")'x");
        Files.createDirectories(home);
        Map<String, String> env = Map.of("BGREBOOT_HOME", home.toString());
        Path spec = TestVms.writeDemoSpec("quote");
        String quoteName = TestVms.nameOf(spec);
        EmbeddedVm qvm = TestVms.vm(spec, new org.bgreboot.Home(home, TestVms.home().cache(), TestVms.REPO));
        try {
            Cli.Run start = Cli.run(env, "vm", "start", spec.toString());
            assertThat(start.exit()).as(start.stderr()).isZero();
            Cli.Run reboot;
            try (OpenFileWatch open = new OpenFileWatch(qvm.spec().persistentDisk().path())) {
                reboot = Cli.run(env, "reboot", quoteName, "--switch", "restore");
                open.assertHandedOverCleanly(); // the restored QEMU opened the disk only after FG's had closed it
            }
            assertThat(marker).as("the host ran shell syntax from the state path").doesNotExist();
            assertThat(reboot.exit()).as(reboot.stderr()).isZero();
            assertThat(reboot.stdout() + reboot.stderr()).as("the clone was saved and loaded, not replaced by a cold boot")
                    .contains("save and restore the clone").doesNotContain("the switch failed");
            assertThat(Http.identity(qvm.spec()).path("version").asText()).isEqualTo("v2");
            FaultIT.assertOneServingVm(qvm);
        } finally {
            Files.deleteIfExists(marker);
            if (Journal.active(qvm.stateDir()).isPresent()) {
                Cli.run(env, "recover", quoteName);
            }
            if (qvm.running().isPresent()) {
                Cli.run(env, "vm", "stop", quoteName);
            }
            TestVms.qemuPids(qvm).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            TestVms.await("the VM's QEMU gone", Duration.ofSeconds(30), () -> TestVms.qemuPids(qvm).isEmpty());
            org.bgreboot.state.Durable.deleteTree(Path.of("/tmp").resolve(home.getName(1))); // the path's '/' made two levels
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Every directory under {@code root} (itself included) is 0700 and every socket 0600. */
    static void assertPrivate(Path root) throws IOException {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue; // gone meanwhile
                }
                String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                if (a.isDirectory() && !perms.equals("rwx------")) {
                    wrong.add("directory " + p + " is " + perms);
                } else if (a.isOther() && !perms.equals("rw-------")) {
                    wrong.add("socket " + p + " is " + perms);
                }
            }
        }
        assertThat(wrong).as("permissions under " + root).isEmpty();
    }

    static List<Path> sockets(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                try {
                    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
                } catch (IOException e) {
                    return false;
                }
            }).toList();
        }
    }

    /** A TCP listener on the host's loopback that counts connections and greets each. */
    static final class Listener implements AutoCloseable {
        private final ServerSocket server;
        private final AtomicInteger connections = new AtomicInteger();
        private final Thread thread;

        Listener() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(this::loop, "host-listener");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        private void loop() {
            while (!server.isClosed()) {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    connections.incrementAndGet();
                    System.out.println("host listener: connection from " + s.getRemoteSocketAddress());
                    out.write("HTTP/1.0 200 OK\r\n\r\nhello from the host\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // closed
                }
            }
        }

        @Override public void close() throws IOException {
            server.close();
        }
    }
}
