package org.bgreboot.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bgreboot.Home;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireTimeoutException;
import org.bgreboot.qmp.EventWaiter;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.qmp.QmpEvent;
import org.bgreboot.qmp.TestQemu;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * GuestAgent against the real qemu-ga in the demo guest (guest/demo/build.sh), booted once under
 * TCG for the whole class; the last test powers it off through the agent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class GuestAgentIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static String kernelRelease;
    private static TestQemu qemu;
    private static QmpClient qmp;
    private static GuestAgent agent;

    @BeforeAll
    static void bootDemoGuest() throws Exception {
        Path image = buildDemoGuest();
        JsonNode manifest = new ObjectMapper().readTree(image.resolve("guest.json").toFile());
        JsonNode v1 = manifest.path("versions").path(0);
        kernelRelease = v1.path("kernel_release").asText();
        Path overlay = dir.resolve("sys.qcow2");
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
                "-b", image.resolve(manifest.path("system_disk").asText()).toString(), overlay.toString()));
        qemu = TestQemu.start(dir, List.of(
                "-accel", "tcg", "-machine", "q35", "-m", "512", "-smp", "1",
                "-nodefaults", "-no-user-config", "-display", "none",
                "-qmp", "unix:" + dir.resolve("qmp.sock") + ",server=on,wait=off",
                "-chardev", "socket,id=qga0,path=" + dir.resolve("qga.sock") + ",server=on,wait=off",
                "-device", "virtio-serial-pci,id=vser0",
                "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
                "-chardev", "file,id=ser0,path=" + dir.resolve("serial.log"), "-serial", "chardev:ser0",
                "-kernel", image.resolve(v1.path("kernel").asText()).toString(),
                "-initrd", image.resolve(v1.path("initrd").asText()).toString(),
                "-append", manifest.path("cmdline").asText(),
                "-blockdev", "driver=file,filename=" + overlay + ",node-name=sys-file",
                "-blockdev", "driver=qcow2,file=sys-file,node-name=sys0",
                "-device", "virtio-blk-pci,drive=sys0,serial=bgsystem",
                "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0,romfile="));
        qmp = QmpClient.connect(dir.resolve("qmp.sock"), WAIT);
        agent = GuestAgent.connect(dir.resolve("qga.sock"), WAIT);
    }

    @AfterAll
    static void stopGuest() {
        if (agent != null) {
            agent.close();
        }
        if (qmp != null) {
            qmp.close();
        }
        if (qemu != null) {
            qemu.close();
        }
    }

    /** The demo guest, built or found in the cache that bgreboot itself uses. */
    private static Path buildDemoGuest() throws IOException, InterruptedException {
        Home home = Home.fromEnvironment();
        Path cache = home.cache().resolve("guests");
        Files.createDirectories(cache);
        Path buildLog = dir.resolve("build.log");
        Process build = new ProcessBuilder("bash", home.guestSources().resolve("demo/build.sh").toString(), cache.toString())
                .redirectError(buildLog.toFile())
                .start();
        build.getOutputStream().close();
        String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!build.waitFor(15, TimeUnit.MINUTES) || build.exitValue() != 0) {
            throw new IllegalStateException("guest/demo/build.sh failed:\n" + Files.readString(buildLog));
        }
        List<String> lines = out.lines().filter(line -> !line.isBlank()).toList();
        return Path.of(lines.get(lines.size() - 1).strip());
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command + " failed: " + output);
        }
    }

    @Test
    @Order(1)
    void pingSucceedsOnceTheAgentStartsInTheBootingGuest() {
        long start = System.nanoTime();
        int timeouts = 0;
        while (true) {
            try {
                agent.ping(Duration.ofSeconds(1));
                break;
            } catch (WireTimeoutException e) {
                timeouts++; // the guest is still booting: nothing answers yet
                assertThat(qemu.isAlive()).as("QEMU alive; log: %s", qemu.log()).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(120));
            }
        }
        System.out.printf("GuestAgentIT: agent answered %d ms after QEMU started, after %d timed-out pings%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), timeouts);
        agent.ping(Duration.ofSeconds(5));
    }

    @Test
    @Order(2)
    void infoReportsTheAgentVersion() {
        assertThat(agent.info()).matches("\\d+\\.\\d+.*");
    }

    @Test
    @Order(3)
    void execRunsArgvWithoutAShell() {
        ExecResult uname = agent.exec(List.of("/bin/uname", "-r"), WAIT);
        assertThat(uname.ok()).isTrue();
        assertThat(uname.stdoutText().strip()).isEqualTo(kernelRelease);

        ExecResult echo = agent.exec(List.of("/bin/echo", "$HOME; rm -rf / `x` 'q'"), WAIT);
        assertThat(echo.stdoutText()).isEqualTo("$HOME; rm -rf / `x` 'q'\n");

        ExecResult failing = agent.exec(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 7"), WAIT);
        assertThat(failing.exitCode()).isEqualTo(7);
        assertThat(failing.ok()).isFalse();
        assertThat(failing.stdoutText()).isEqualTo("out\n");
        assertThat(failing.stderrText()).isEqualTo("err\n");

        ExecResult killed = agent.exec(List.of("/bin/sh", "-c", "kill -9 $$"), WAIT);
        assertThat(killed.signal()).isEqualTo(9);

        byte[] input = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
        assertThat(agent.exec(List.of("/bin/cat"), input, WAIT).stdout()).isEqualTo(input);

        assertThatThrownBy(() -> agent.exec(List.of("/no/such/program"), WAIT))
                .isInstanceOf(WireCommandException.class)
                .hasMessageStartingWith("guest-exec: GenericError: ");
    }

    @Test
    @Order(4)
    void execOfATrivialCommandIsQuick() {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            long start = System.nanoTime();
            assertThat(agent.exec(List.of("/bin/true"), WAIT).ok()).isTrue();
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        System.out.printf("GuestAgentIT: exec /bin/true took %s ms (TCG)%n", millis);
        assertThat(millis.stream().sorted().toList().get(3)).isLessThan(2000);
    }

    @Test
    @Order(5)
    void filesRoundTripThroughTheAgent() throws Exception {
        byte[] content = new byte[3 * GuestAgent.FILE_CHUNK + 123];
        new Random(42).nextBytes(content);
        agent.writeFile("/tmp/bgreboot-it.bin", new ByteArrayInputStream(content));
        assertThat(agent.readFile("/tmp/bgreboot-it.bin")).isEqualTo(content);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        assertThat(agent.exec(List.of("/usr/bin/sha256sum", "/tmp/bgreboot-it.bin"), WAIT).stdoutText()).startsWith(sha);
        assertThatThrownBy(() -> agent.readFile("/no/such/file"))
                .isInstanceOf(WireCommandException.class)
                .hasMessageStartingWith("guest-file-open: ");
    }

    @Test
    @Order(6)
    void fsfreezeFreezesAndThaws() {
        assertThat(agent.fsfreezeStatus(WAIT)).isEqualTo(FsFreezeStatus.THAWED);
        try {
            assertThat(agent.fsfreezeFreeze(WAIT)).isPositive();
            assertThat(agent.fsfreezeStatus(WAIT)).isEqualTo(FsFreezeStatus.FROZEN);
        } finally {
            assertThat(agent.fsfreezeThaw(WAIT)).isPositive();
        }
        assertThat(agent.fsfreezeStatus(WAIT)).isEqualTo(FsFreezeStatus.THAWED);
    }

    @Test
    @Order(7)
    void setTimeSetsTheGuestClock() {
        Instant hourAgo = Instant.now().minusSeconds(3600);
        agent.setTime(hourAgo);
        assertThat(guestEpochSeconds()).isBetween(hourAgo.getEpochSecond() - 2, hourAgo.getEpochSecond() + 10);
        agent.setTimeFromHost();
        assertThat(guestEpochSeconds()).isBetween(Instant.now().getEpochSecond() - 5, Instant.now().getEpochSecond() + 2);
    }

    private static long guestEpochSeconds() {
        return Long.parseLong(agent.exec(List.of("/bin/date", "+%s"), WAIT).stdoutText().strip());
    }

    @Test
    @Order(8)
    void afterTimeoutsTheLateRepliesAreDiscarded() {
        // A paused guest cannot answer; once it runs again its reply to the ping comes late.
        qmp.execute("stop");
        assertThatThrownBy(() -> agent.ping(Duration.ofMillis(300)))
                .isInstanceOf(WireTimeoutException.class)
                .hasMessage("guest-ping: no reply from the guest agent within 300 ms");
        qmp.execute("cont");
        assertThat(agent.info()).isNotEmpty(); // resyncs past the late guest-ping reply

        assertThatThrownBy(() -> agent.exec(List.of("/bin/sleep", "2"), Duration.ofMillis(300)))
                .isInstanceOf(WireTimeoutException.class)
                .hasMessage("guest-exec [/bin/sleep, 2]: not finished within 300 ms");
        assertThat(agent.exec(List.of("/bin/echo", "still in step"), WAIT).stdoutText()).isEqualTo("still in step\n");
    }

    @Test
    @Order(9)
    void shutdownPowersTheGuestOffWithoutAReply() throws Exception {
        EventWaiter shutdown = qmp.expect("SHUTDOWN");
        long start = System.nanoTime();
        agent.shutdown("powerdown");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        QmpEvent event = shutdown.await(Duration.ofSeconds(120));
        assertThat(event.data().path("guest").asBoolean()).isTrue();
        assertThat(qemu.waitForExit(30)).isTrue();
        Thread.sleep(200);
        assertThatThrownBy(() -> agent.ping(WAIT)).isInstanceOf(WireDisconnectedException.class);
        assertThat(agent.isConnected()).isFalse();
    }
}
