package org.bgreboot.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** QmpClient against a real QEMU 7.2, paused at start (-S) with no guest: QMP needs none. */
@Timeout(60)
class QmpClientIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private TestQemu qemu;
    private QmpClient qmp;

    @BeforeEach
    void startQemu() {
        Path socket = dir.resolve("qmp.sock");
        qemu = TestQemu.start(dir, List.of("-accel", "tcg", "-machine", "q35", "-m", "64", "-nodefaults",
                "-display", "none", "-S", "-qmp", "unix:" + socket + ",server=on,wait=off"));
        // Connect at once: QEMU has not created the socket yet, so this exercises the retry.
        qmp = QmpClient.connect(socket, WAIT);
    }

    @AfterEach
    void stopQemu() {
        if (qmp != null) {
            qmp.close();
        }
        if (qemu != null) {
            qemu.close();
        }
    }

    @Test
    void greetingAndQueryStatus() {
        assertThat(qmp.greeting().path("version").path("qemu").path("major").asInt()).isEqualTo(7);
        JsonNode status = qmp.execute("query-status");
        assertThat(status.path("status").asText()).isEqualTo("prelaunch");
        assertThat(status.path("running").asBoolean()).isFalse();
    }

    @Test
    void errorReplyCarriesClassAndDesc() {
        assertThatThrownBy(() -> qmp.execute("device_del", Map.of("id", "nonexistent")))
                .isInstanceOfSatisfying(WireCommandException.class, e -> {
                    assertThat(e.command()).isEqualTo("device_del");
                    assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
                    assertThat(e.desc()).contains("nonexistent");
                    assertThat(e.arguments().path("id").asText()).isEqualTo("nonexistent");
                })
                .hasMessageStartingWith("device_del: DeviceNotFound: ");
        assertThatThrownBy(() -> qmp.execute("no-such-command"))
                .isInstanceOfSatisfying(WireCommandException.class, e -> assertThat(e.errorClass()).isEqualTo("CommandNotFound"));
        assertThat(qmp.isConnected()).isTrue();
    }

    @Test
    void contAndStopEmitResumeAndStopToWaitersRegisteredBeforehand() {
        Instant before = Instant.now();
        EventWaiter resumed = qmp.expect("RESUME");
        qmp.execute("cont");
        QmpEvent resume = resumed.await(WAIT);
        assertThat(resume.timestamp()).isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
        assertThat(qmp.execute("query-status").path("status").asText()).isEqualTo("running");
        assertThat(qmp.hmp("info status")).startsWith("VM status: running");

        EventWaiter stopped = qmp.expect("STOP");
        qmp.execute("stop");
        stopped.await(WAIT);
        assertThat(qmp.execute("query-status").path("status").asText()).isEqualTo("paused");
        assertThat(qmp.hmp("info status")).isEqualTo("VM status: paused\r\n");
    }

    @Test
    void hmpReturnsItsOutput() {
        assertThat(qmp.hmp("info status")).isEqualTo("VM status: paused (prelaunch)\r\n");
        // HMP reports its errors as output, not as QMP errors.
        assertThat(qmp.hmp("no_such_hmp_command")).contains("unknown command");
    }

    @Test
    void quitEmitsShutdownThenEverythingFailsPromptly() throws Exception {
        EventWaiter shutdown = qmp.expect("SHUTDOWN");
        EventWaiter never = qmp.expect("DEVICE_DELETED");
        CompletableFuture<QmpEvent> waiting = CompletableFuture.supplyAsync(() -> never.await(Duration.ofSeconds(30)));
        qmp.execute("quit");
        assertThat(shutdown.await(WAIT).data().path("reason").asText()).isEqualTo("host-qmp-quit");
        long start = System.nanoTime();
        try {
            waiting.get(2, TimeUnit.SECONDS);
            throw new AssertionError("the waiter should have failed");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(WireDisconnectedException.class).hasMessageContaining("closed by QEMU");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(qemu.waitForExit(10)).isTrue();
        assertThat(qmp.isConnected()).isFalse();
        start = System.nanoTime();
        assertThatThrownBy(() -> qmp.execute("query-status")).isInstanceOf(WireDisconnectedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(100));
    }

    @Test
    void aCallPendingWhenQemuDiesFailsPromptly() throws Exception {
        qemu.freeze(); // QEMU stops answering but keeps the socket open
        CompletableFuture<JsonNode> pending = CompletableFuture.supplyAsync(
                () -> qmp.execute("query-status", null, Duration.ofSeconds(30)));
        Thread.sleep(200);
        assertThat(pending).isNotDone();
        long start = System.nanoTime();
        qemu.close(); // SIGKILL: the socket closes
        try {
            pending.get(2, TimeUnit.SECONDS);
            throw new AssertionError("the call should have failed");
        } catch (ExecutionException e) {
            // "closed by QEMU", or "lost: Connection reset" as QEMU died with our request unread
            assertThat(e.getCause()).isInstanceOf(WireDisconnectedException.class)
                    .hasMessageStartingWith("query-status: QMP connection to qmp.sock ");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aCommandThatGetsNoAnswerTimesOut() throws Exception {
        qemu.freeze();
        assertThatThrownBy(() -> qmp.execute("query-status", null, Duration.ofMillis(300)))
                .isInstanceOf(WireTimeoutException.class)
                .hasMessage("query-status: no reply within 300 ms");
    }
}
