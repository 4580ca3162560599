package org.bgreboot.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bgreboot.jsonwire.FakePeer;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireProtocolException;
import org.bgreboot.jsonwire.WireTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class GuestAgentTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private FakePeer qga;
    private GuestAgent agent;

    private GuestAgent connected() {
        qga = FakePeer.agent(dir.resolve("qga.sock"));
        agent = GuestAgent.connect(dir.resolve("qga.sock"), WAIT);
        return agent;
    }

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.close();
        }
        if (qga != null) {
            qga.close();
        }
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ObjectNode request, String field) {
        return request.path("arguments").path(field).asText();
    }

    @Test
    void firstCallSyncsWithSentinelThenSendsTheCommand() {
        connected();
        qga.answer("guest-ping", request -> FakePeer.reply(request, "{}"));
        agent.ping(WAIT);
        assertThat(qga.nextReceived(WAIT)).isEqualTo(FakePeer.SENTINEL);
        ObjectNode sync = (ObjectNode) qga.nextReceived(WAIT);
        assertThat(sync.path("execute").asText()).isEqualTo("guest-sync-delimited");
        assertThat(sync.path("arguments").path("id").asLong()).isPositive();
        assertThat(((ObjectNode) qga.nextReceived(WAIT)).path("execute").asText()).isEqualTo("guest-ping");
        // In sync now: the next call goes straight out.
        agent.ping(WAIT);
        assertThat(((ObjectNode) qga.nextReceived(WAIT)).path("execute").asText()).isEqualTo("guest-ping");
    }

    @Test
    void syncDiscardsGarbageAndStaleRepliesUpToItsOwnAnswer() {
        connected();
        qga.answer("guest-sync-delimited", request -> {
            long id = request.path("arguments").path("id").asLong();
            return "{\"return\": {\"pid\": 1}}\n"            // stale reply to an earlier request
                    + "{\"return\": " + id + "}\n"         // right id, but not after a 0xFF: not trusted
                    + "half a reply {\"ret"                // garbage, cut off
                    + "\u00ff{\"return\": 999}\n"          // an older sync's answer
                    + "\u00ff{\"return\": " + id + "}\n";
        });
        qga.answer("guest-info", request -> FakePeer.reply(request, "{\"version\": \"7.2.22\", \"supported_commands\": []}"));
        assertThat(agent.info()).isEqualTo("7.2.22");
    }

    /** The reply to another id says "frozen", the call's own "thawed": taking the first would answer FROZEN. */
    @Test
    void aReplyCarryingAnotherIdIsSkipped() {
        connected();
        qga.answer("guest-fsfreeze-status", request -> {
            long own = request.path("id").asLong();
            return "{\"return\": \"frozen\", \"id\": " + (own + 1000) + "}\n" + FakePeer.reply(request, "\"thawed\"");
        });
        assertThat(agent.fsfreezeStatus(WAIT)).isEqualTo(FsFreezeStatus.THAWED);
        assertThat(agent.fsfreezeStatus(WAIT)).as("the skipped reply is not left for the next call").isEqualTo(FsFreezeStatus.THAWED);
    }

    @Test
    void noAgentInTheGuestMeansTimeouts() {
        qga = FakePeer.listen(dir.resolve("qga.sock")); // accepts, never answers
        agent = GuestAgent.connect(dir.resolve("qga.sock"), WAIT);
        assertThatThrownBy(() -> agent.ping(Duration.ofMillis(300)))
                .isInstanceOf(WireTimeoutException.class)
                .hasMessage("guest-ping: no reply from the guest agent to guest-sync-delimited within 300 ms");
        assertThat(agent.isConnected()).isTrue();
    }

    @Test
    void repeatedTimeoutsWaitForTheOutstandingSyncInsteadOfSendingMore() {
        qga = FakePeer.listen(dir.resolve("qga.sock")); // an agent that has not started yet
        agent = GuestAgent.connect(dir.resolve("qga.sock"), WAIT);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> agent.ping(Duration.ofMillis(40))).isInstanceOf(WireTimeoutException.class);
        }
        assertThat(qga.nextReceived(WAIT)).isEqualTo(FakePeer.SENTINEL);
        ObjectNode sync = (ObjectNode) qga.nextReceived(WAIT);
        assertThatThrownBy(() -> qga.nextReceived(Duration.ofMillis(100))).isInstanceOf(AssertionError.class);
        // The agent starts and answers the one sync it finds; the next call uses it.
        qga.send("\u00ff{\"return\": " + sync.path("arguments").path("id").asLong() + "}\n");
        qga.answer("guest-ping", request -> FakePeer.reply(request, "{}"));
        agent.ping(WAIT);
        assertThat(((ObjectNode) qga.nextReceived(WAIT)).path("execute").asText()).isEqualTo("guest-ping");
    }

    @Test
    void afterATimeoutTheLateReplyIsDiscardedByResync() {
        connected();
        assertThatThrownBy(() -> agent.fsfreezeStatus(Duration.ofMillis(300)))
                .isInstanceOf(WireTimeoutException.class)
                .hasMessage("guest-fsfreeze-status: no reply from the guest agent within 300 ms");
        ObjectNode late = qga.nextRequest(WAIT);
        qga.send("{\"return\": \"frozen\"}\n"); // the late answer, without id like old agents
        qga.answer("guest-fsfreeze-status", request -> FakePeer.reply(request, "\"thawed\""));
        assertThat(agent.fsfreezeStatus(WAIT)).isEqualTo(FsFreezeStatus.THAWED);
        assertThat(late.path("execute").asText()).isEqualTo("guest-fsfreeze-status");
    }

    @Test
    void garbageInsteadOfAReplyIsAProtocolErrorAndForcesAResync() {
        connected();
        AtomicInteger syncs = new AtomicInteger();
        qga.answer("guest-sync-delimited", request -> {
            syncs.incrementAndGet();
            return "\u00ff{\"return\": " + request.path("arguments").path("id").asLong() + "}\n";
        });
        qga.answer("guest-ping", request -> syncs.get() == 1 ? "<<garbage>>\n" : FakePeer.reply(request, "{}"));
        assertThatThrownBy(() -> agent.ping(WAIT))
                .isInstanceOf(WireProtocolException.class)
                .hasMessage("guest-ping: malformed reply: <<garbage>>");
        agent.ping(WAIT);
        assertThat(syncs.get()).isEqualTo(2);
    }

    @Test
    void errorReplyBecomesCommandException() {
        connected();
        qga.answer("guest-exec", request -> FakePeer.error(request, "GenericError",
                "Guest agent command failed, error was 'Failed to execute child process'"));
        assertThatThrownBy(() -> agent.exec(List.of("/nonexistent"), WAIT))
                .isInstanceOf(WireCommandException.class)
                .hasMessage("guest-exec: GenericError: Guest agent command failed, error was 'Failed to execute child process'")
                .isInstanceOfSatisfying(WireCommandException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo("GenericError");
                    assertThat(e.sent().path("arguments").path("path").asText()).as("what was sent").isEqualTo("/nonexistent");
                    assertThat(e.received().path("error").path("desc").asText()).as("what came back").startsWith("Guest agent command failed");
                });
    }

    @Test
    void execSendsArgvAndStdinThenPollsUntilExitedAndDecodesOutput() {
        connected();
        List<ObjectNode> execs = new ArrayList<>();
        AtomicInteger polls = new AtomicInteger();
        qga.answer("guest-exec", request -> {
            execs.add(request);
            return FakePeer.reply(request, "{\"pid\": 4242}");
        });
        qga.answer("guest-exec-status", request -> {
            assertThat(request.path("arguments").path("pid").asLong()).isEqualTo(4242);
            return polls.incrementAndGet() < 3
                    ? FakePeer.reply(request, "{\"exited\": false}")
                    : FakePeer.reply(request, "{\"exitcode\": 3, \"out-data\": \"" + b64("hi ünïcode\n") + "\", \"err-data\": \""
                            + b64("oops\n") + "\", \"out-truncated\": false, \"err-truncated\": false, \"exited\": true}");
        });
        ExecResult result = agent.exec(List.of("/bin/sh", "-c", "echo hi; exit 3", "$HOME; rm -rf /"),
                "stdin bytes".getBytes(StandardCharsets.UTF_8), WAIT);
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.signal()).isZero();
        assertThat(result.ok()).isFalse();
        assertThat(result.stdoutText()).isEqualTo("hi ünïcode\n");
        assertThat(result.stderrText()).isEqualTo("oops\n");
        assertThat(result.status()).isEqualTo("exit 3");
        assertThat(polls.get()).isEqualTo(3);
        ObjectNode args = (ObjectNode) execs.get(0).get("arguments");
        assertThat(args.path("path").asText()).isEqualTo("/bin/sh");
        assertThat(args.path("arg").toString()).isEqualTo("[\"-c\",\"echo hi; exit 3\",\"$HOME; rm -rf /\"]");
        assertThat(args.path("capture-output").asBoolean()).isTrue();
        assertThat(new String(Base64.getDecoder().decode(args.path("input-data").asText()), StandardCharsets.UTF_8))
                .isEqualTo("stdin bytes");
    }

    @Test
    void execReportsAKillingSignal() {
        connected();
        qga.answer("guest-exec", request -> FakePeer.reply(request, "{\"pid\": 7}"));
        qga.answer("guest-exec-status", request -> FakePeer.reply(request, "{\"signal\": 9, \"exited\": true}"));
        ExecResult result = agent.exec(List.of("/bin/true"), WAIT);
        assertThat(result.exitCode()).isEqualTo(-1);
        assertThat(result.signal()).isEqualTo(9);
        assertThat(result.ok()).isFalse();
        assertThat(result.stdout()).isEmpty();
        assertThat(result.status()).isEqualTo("signal 9");
    }

    @Test
    void execThatNeverFinishesTimesOutNamingTheArgv() {
        connected();
        qga.answer("guest-exec", request -> FakePeer.reply(request, "{\"pid\": 7}"));
        qga.answer("guest-exec-status", request -> FakePeer.reply(request, "{\"exited\": false}"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> agent.exec(List.of("/bin/sleep", "100"), Duration.ofMillis(400)))
                .isInstanceOf(WireTimeoutException.class)
                .hasMessage("guest-exec [/bin/sleep, 100]: not finished within 400 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void execPollsQuicklyAtFirst() {
        connected();
        List<Long> pollTimes = new ArrayList<>();
        qga.answer("guest-exec", request -> FakePeer.reply(request, "{\"pid\": 7}"));
        qga.answer("guest-exec-status", request -> {
            pollTimes.add(System.nanoTime());
            return FakePeer.reply(request, pollTimes.size() < 4 ? "{\"exited\": false}" : "{\"exitcode\": 0, \"exited\": true}");
        });
        // what three polls at a fixed 50-ms cadence cost on this host now (a busy host stretches both alike)
        long fixed = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            org.bgreboot.Sleep.ms(50);
        }
        fixed = System.nanoTime() - fixed;
        long start = System.nanoTime();
        assertThat(agent.exec(List.of("/bin/true"), WAIT).ok()).isTrue();
        // Pauses of 5, 8 and 13 ms: far below a fixed 50 ms cadence.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofNanos(fixed));
    }

    @Test
    void shutdownDoesNotWaitForAReplyAndTheNextCallResyncs() {
        connected();
        qga.answer("guest-ping", request -> FakePeer.reply(request, "{}"));
        agent.ping(WAIT);
        long start = System.nanoTime();
        agent.shutdown("powerdown"); // the fake never answers guest-shutdown, like a real agent that succeeded
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        ObjectNode shutdown = qga.nextRequest(WAIT);
        assertThat(text(shutdown, "mode")).isEqualTo("powerdown");
        qga.send(FakePeer.error(shutdown, "GenericError", "late failure")); // must not be taken for the ping's reply
        agent.ping(WAIT);
        assertThatThrownBy(() -> agent.shutdown("poweroff")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fsfreezeCommandsReturnCountsAndStatus() {
        connected();
        qga.answer("guest-fsfreeze-freeze", request -> FakePeer.reply(request, "2"));
        qga.answer("guest-fsfreeze-thaw", request -> FakePeer.reply(request, "2"));
        qga.answer("guest-fsfreeze-status", request -> FakePeer.reply(request, "\"frozen\""));
        assertThat(agent.fsfreezeFreeze(WAIT)).isEqualTo(2);
        assertThat(agent.fsfreezeStatus(WAIT)).isEqualTo(FsFreezeStatus.FROZEN);
        assertThat(agent.fsfreezeThaw(WAIT)).isEqualTo(2);
    }

    @Test
    void setTimeSendsNanosecondsSinceTheEpoch() {
        connected();
        qga.answer("guest-set-time", request -> FakePeer.reply(request, "{}"));
        agent.setTime(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        assertThat(qga.nextReceived(WAIT)).isEqualTo(FakePeer.SENTINEL);
        qga.nextReceived(WAIT); // sync
        ObjectNode set = (ObjectNode) qga.nextReceived(WAIT);
        assertThat(set.path("arguments").path("time").asLong()).isEqualTo(1_700_000_000_123_456_789L);
    }

    @Test
    void aGuestWithoutHwclockHasItsClockSetAllTheSame() {
        connected();
        // what Debian 13's qemu-ga answers: it set the system clock, then found no hwclock to copy it to the RTC
        qga.answer("guest-set-time", request -> FakePeer.error(request, "GenericError",
                "child process has failed to set hardware clock to system time: failed to exec '/sbin/hwclock': No such file or directory"));
        agent.setTime(Instant.ofEpochSecond(1_700_000_000L));
        agent.setTimeFromHost();
    }

    @Test
    void aClockTheAgentCouldNotSetIsAnError() {
        connected();
        qga.answer("guest-set-time", request -> FakePeer.error(request, "GenericError", "Failed to set time to guest: Operation not permitted"));
        assertThatThrownBy(() -> agent.setTime(Instant.ofEpochSecond(1_700_000_000L))).isInstanceOf(WireCommandException.class)
                .hasMessageContaining("Failed to set time");
    }

    @Test
    void writeFileSendsChunksAndClosesAndReadFileReassembles() {
        connected();
        StringBuilder written = new StringBuilder();
        List<String> calls = new ArrayList<>();
        qga.answer("guest-file-open", request -> {
            calls.add("open " + text(request, "path") + " " + text(request, "mode"));
            return FakePeer.reply(request, "1000");
        });
        qga.answer("guest-file-write", request -> {
            byte[] bytes = Base64.getDecoder().decode(text(request, "buf-b64"));
            calls.add("write " + bytes.length);
            written.append(new String(bytes, StandardCharsets.ISO_8859_1));
            return FakePeer.reply(request, "{\"count\": " + bytes.length + ", \"eof\": false}");
        });
        qga.answer("guest-file-close", request -> {
            calls.add("close " + request.path("arguments").path("handle").asLong());
            return FakePeer.reply(request, "{}");
        });
        byte[] content = new byte[GuestAgent.FILE_CHUNK * 2 + 10];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        agent.writeFile("/tmp/update.deb", new ByteArrayInputStream(content));
        assertThat(calls).containsExactly("open /tmp/update.deb w", "write " + GuestAgent.FILE_CHUNK,
                "write " + GuestAgent.FILE_CHUNK, "write 10", "close 1000");
        assertThat(written.toString().getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(content);

        AtomicInteger reads = new AtomicInteger();
        qga.answer("guest-file-read", request -> {
            int n = reads.getAndIncrement();
            return FakePeer.reply(request, n == 0
                    ? "{\"count\": 6, \"buf-b64\": \"" + b64("hello ") + "\", \"eof\": false}"
                    : "{\"count\": 5, \"buf-b64\": \"" + b64("world") + "\", \"eof\": true}");
        });
        calls.clear();
        assertThat(new String(agent.readFile("/etc/os-release"), StandardCharsets.UTF_8)).isEqualTo("hello world");
        assertThat(calls).containsExactly("open /etc/os-release r", "close 1000");
    }

    @Test
    void aFailedWriteStillClosesTheHandle() {
        connected();
        List<String> calls = new ArrayList<>();
        qga.answer("guest-file-open", request -> FakePeer.reply(request, "5"));
        qga.answer("guest-file-write", request -> FakePeer.error(request, "GenericError", "No space left on device"));
        qga.answer("guest-file-close", request -> {
            calls.add("close");
            return FakePeer.reply(request, "{}");
        });
        assertThatThrownBy(() -> agent.writeFile("/full", new ByteArrayInputStream(new byte[10])))
                .isInstanceOf(WireCommandException.class)
                .hasMessageContaining("No space left on device");
        assertThat(calls).containsExactly("close");
    }

    @Test
    void socketClosingMidCallFailsItPromptly() throws Exception {
        connected();
        agent.sync(WAIT);
        CompletableFuture<Void> ping = CompletableFuture.runAsync(() -> agent.ping(Duration.ofSeconds(30)));
        qga.nextRequest(WAIT);
        qga.closeConnection();
        try {
            ping.get(1, TimeUnit.SECONDS);
            throw new AssertionError("ping should have failed");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(WireDisconnectedException.class)
                    .hasMessage("guest-ping: guest agent connection qga.sock closed by QEMU");
        }
        assertThat(agent.isConnected()).isFalse();
        assertThatThrownBy(() -> agent.ping(WAIT)).isInstanceOf(WireDisconnectedException.class)
                .hasMessageContaining("not connected");
    }

    @Test
    void connectGivesUpWhenNothingListens() {
        assertThatThrownBy(() -> GuestAgent.connect(dir.resolve("none.sock"), Duration.ofMillis(200)))
                .isInstanceOf(WireDisconnectedException.class)
                .hasMessageContaining("cannot connect to guest agent socket");
    }
}
