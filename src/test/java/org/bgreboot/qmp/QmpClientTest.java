package org.bgreboot.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
class QmpClientTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private FakePeer qemu;
    private QmpClient qmp;

    private Path socket() {
        return dir.resolve("qmp.sock");
    }

    private QmpClient connected() {
        qemu = FakePeer.qemu(socket());
        qmp = QmpClient.connect(socket(), WAIT);
        return qmp;
    }

    @AfterEach
    void tearDown() {
        if (qmp != null) {
            qmp.close();
        }
        if (qemu != null) {
            qemu.close();
        }
    }

    private static <T> CompletableFuture<T> async(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call);
    }

    /** The exception a future failed with, waiting at most {@code within}. */
    private static Throwable failure(CompletableFuture<?> future, Duration within) throws Exception {
        try {
            future.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure, got " + future.join());
    }

    @Test
    void connectReadsGreetingAndNegotiatesCapabilities() {
        connected();
        assertThat(qmp.greeting().path("version").path("qemu").path("major").asInt()).isEqualTo(7);
        ObjectNode capabilities = (ObjectNode) qemu.nextReceived(WAIT);
        assertThat(capabilities.path("execute").asText()).isEqualTo("qmp_capabilities");
        assertThat(capabilities.has("id")).isTrue();
        assertThat(capabilities.has("arguments")).isFalse();
        assertThat(qmp.isConnected()).isTrue();
    }

    @Test
    void connectRetriesUntilTheSocketExists() throws Exception {
        CompletableFuture<QmpClient> connecting = async(() -> QmpClient.connect(socket(), WAIT));
        Thread.sleep(300);
        qemu = FakePeer.qemu(socket());
        qmp = connecting.get(5, TimeUnit.SECONDS);
        assertThat(qmp.isConnected()).isTrue();
    }

    @Test
    void connectGivesUpAfterTheTimeoutWhenNothingListens() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> QmpClient.connect(socket(), Duration.ofMillis(300)))
                .isInstanceOf(WireDisconnectedException.class)
                .hasMessageContaining("cannot connect to QMP socket")
                .hasMessageContaining("300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aGreetingThatIsNotQmpIsAProtocolError() {
        qemu = FakePeer.listen(socket());
        qemu.greetWith("{\"hello\": 1}\r\n");
        assertThatThrownBy(() -> QmpClient.connect(socket(), WAIT))
                .isInstanceOf(WireProtocolException.class)
                .hasMessageContaining("bad QMP greeting")
                .satisfies(e -> assertThat(((WireProtocolException) e).received()).contains("hello"));
    }

    @Test
    void aSilentPeerTimesOutTheGreeting() {
        qemu = FakePeer.listen(socket());
        assertThatThrownBy(() -> QmpClient.connect(socket(), Duration.ofMillis(600)))
                .isInstanceOf(WireTimeoutException.class)
                .hasMessageContaining("greeting: no reply within");
    }

    @Test
    void replySplitIntoSingleBytesIsReassembled() throws Exception {
        connected();
        CompletableFuture<JsonNode> status = async(() -> qmp.execute("query-status"));
        ObjectNode request = qemu.nextRequest(WAIT);
        assertThat(request.path("execute").asText()).isEqualTo("query-status");
        qemu.sendByteByByte(FakePeer.reply(request, "{\"status\": \"prelaunch\", \"running\": false}"));
        assertThat(status.get(5, TimeUnit.SECONDS).path("status").asText()).isEqualTo("prelaunch");
    }

    @Test
    void severalMessagesInOneWriteReachTheirCallers() throws Exception {
        connected();
        CompletableFuture<JsonNode> first = async(() -> qmp.execute("query-name"));
        ObjectNode firstRequest = qemu.nextRequest(WAIT);
        CompletableFuture<JsonNode> second = async(() -> qmp.execute("query-uuid"));
        ObjectNode secondRequest = qemu.nextRequest(WAIT);
        assertThat(firstRequest.get("id")).isNotEqualTo(secondRequest.get("id"));
        List<QmpEvent> events = new CopyOnWriteArrayList<>();
        qmp.onEvent(events::add);
        // Answered out of order, with an event in between, in one write.
        qemu.send(FakePeer.reply(secondRequest, "{\"UUID\": \"u\"}")
                + "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250}}\r\n"
                + FakePeer.reply(firstRequest, "{\"name\": \"vm\"}"));
        assertThat(first.get(5, TimeUnit.SECONDS).path("name").asText()).isEqualTo("vm");
        assertThat(second.get(5, TimeUnit.SECONDS).path("UUID").asText()).isEqualTo("u");
        awaitSize(events, 1);
        assertThat(events.get(0).name()).isEqualTo("RESUME");
        assertThat(events.get(0).timestamp()).isEqualTo(Instant.ofEpochSecond(1700000000, 250_000));
        assertThat(events.get(0).data().isObject()).isTrue();
    }

    @Test
    void eventsBetweenCommandAndReplyGoToListenersNotTheCaller() throws Exception {
        connected();
        List<QmpEvent> events = new CopyOnWriteArrayList<>();
        try (Subscription ignored = qmp.onEvent(events::add)) {
            CompletableFuture<JsonNode> stop = async(() -> qmp.execute("stop"));
            ObjectNode request = qemu.nextRequest(WAIT);
            qemu.send("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");
            qemu.send("{\"event\": \"JOB_STATUS_CHANGE\", \"data\": {\"id\": \"j\", \"status\": \"running\"}, "
                    + "\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}}\r\n");
            qemu.send(FakePeer.reply(request, "{}"));
            assertThat(stop.get(5, TimeUnit.SECONDS).isEmpty()).isTrue();
            awaitSize(events, 2);
            assertThat(events).extracting(QmpEvent::name).containsExactly("STOP", "JOB_STATUS_CHANGE");
            assertThat(events.get(1).data().path("status").asText()).isEqualTo("running");
        }
    }

    @Test
    void closedSubscriptionGetsNoMoreEvents() throws Exception {
        connected();
        List<QmpEvent> events = new CopyOnWriteArrayList<>();
        Subscription subscription = qmp.onEvent(events::add);
        qemu.send("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n");
        awaitSize(events, 1);
        subscription.close();
        try (EventWaiter resume = qmp.expect("RESUME")) {
            qemu.send("{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 2, \"microseconds\": 0}}\r\n");
            resume.await(WAIT); // the event has been dispatched by now
        }
        Thread.sleep(100);
        assertThat(events).extracting(QmpEvent::name).containsExactly("STOP");
    }

    @Test
    void waiterRegisteredBeforeTheCommandCatchesAnEventThatPrecedesTheReply() throws Exception {
        connected();
        EventWaiter deleted = qmp.expect("DEVICE_DELETED", e -> "persist-dev".equals(e.data().path("device").asText()));
        CompletableFuture<JsonNode> del = async(() -> qmp.execute("device_del", Map.of("id", "persist-dev")));
        ObjectNode request = qemu.nextRequest(WAIT);
        assertThat(request.path("arguments").path("id").asText()).isEqualTo("persist-dev");
        // Another device's event first (filtered out), then ours, both before the reply.
        qemu.send("{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"other\", \"path\": \"/x\"}, "
                + "\"timestamp\": {\"seconds\": 5, \"microseconds\": 0}}\r\n"
                + "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"persist-dev\", \"path\": \"/y\"}, "
                + "\"timestamp\": {\"seconds\": 6, \"microseconds\": 0}}\r\n"
                + FakePeer.reply(request, "{}"));
        del.get(5, TimeUnit.SECONDS);
        QmpEvent event = deleted.await(WAIT);
        assertThat(event.data().path("path").asText()).isEqualTo("/y");
        assertThatThrownBy(() -> deleted.await(WAIT)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void waiterTimesOutWhenTheEventNeverComes() {
        connected();
        EventWaiter waiter = qmp.expect("SHUTDOWN");
        assertThatThrownBy(() -> waiter.await(Duration.ofMillis(200)))
                .isInstanceOf(WireTimeoutException.class)
                .hasMessage("no SHUTDOWN event within 200 ms");
    }

    @Test
    void errorReplyBecomesCommandExceptionWithClassAndDesc() throws Exception {
        connected();
        CompletableFuture<JsonNode> add = async(() -> qmp.execute("device_add", Map.of("driver", "virtio-blk-pci", "id", "d1")));
        ObjectNode request = qemu.nextRequest(WAIT);
        qemu.send(FakePeer.error(request, "GenericError", "Failed to get \\\"write\\\" lock"));
        Throwable failure = failure(add, WAIT);
        assertThat(failure).isInstanceOf(WireCommandException.class)
                .hasMessage("device_add: GenericError: Failed to get \"write\" lock");
        WireCommandException error = (WireCommandException) failure;
        assertThat(error.command()).isEqualTo("device_add");
        assertThat(error.errorClass()).isEqualTo("GenericError");
        assertThat(error.desc()).isEqualTo("Failed to get \"write\" lock");
        assertThat(error.arguments().path("driver").asText()).isEqualTo("virtio-blk-pci");
        assertThat(error.sent()).as("what was sent, id and all").hasToString(request.toString());
        assertThat(error.received().path("id")).as("what came back").isEqualTo(request.get("id"));
        assertThat(qmp.isConnected()).isTrue();
    }

    record BlockdevDel(String nodeName) {
    }

    @Test
    void argumentsMayBeMapsNodesOrRecords() throws Exception {
        connected();
        CompletableFuture<JsonNode> call = async(() -> qmp.execute("blockdev-del", new BlockdevDel("n1")));
        ObjectNode request = qemu.nextRequest(WAIT);
        assertThat(request.path("arguments").path("nodeName").asText()).isEqualTo("n1");
        qemu.send(FakePeer.reply(request, "{}"));
        call.get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> qmp.execute("stop", List.of(1, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be a JSON object");
    }

    @Test
    void hmpReturnsTheCommandOutput() throws Exception {
        connected();
        CompletableFuture<String> output = async(() -> qmp.hmp("info status"));
        ObjectNode request = qemu.nextRequest(WAIT);
        assertThat(request.path("execute").asText()).isEqualTo("human-monitor-command");
        assertThat(request.path("arguments").path("command-line").asText()).isEqualTo("info status");
        qemu.send(FakePeer.reply(request, "\"VM status: paused (prelaunch)\\r\\n\""));
        assertThat(output.get(5, TimeUnit.SECONDS)).isEqualTo("VM status: paused (prelaunch)\r\n");
    }

    @Test
    void malformedJsonFailsThePendingCallWithAProtocolError() throws Exception {
        connected();
        CompletableFuture<JsonNode> status = async(() -> qmp.execute("query-status"));
        qemu.nextRequest(WAIT);
        qemu.send("{\"return\": oops}\r\n");
        Throwable failure = failure(status, WAIT);
        assertThat(failure).isInstanceOf(WireProtocolException.class)
                .hasMessageContaining("query-status: malformed JSON")
                .hasMessageContaining("oops");
        assertThat(((WireProtocolException) failure).received()).isEqualTo("{\"return\": oops}");
        assertThat(qmp.isConnected()).isFalse();
        assertThatThrownBy(() -> qmp.execute("query-status"))
                .isInstanceOf(WireDisconnectedException.class)
                .hasMessageContaining("not connected");
    }

    @Test
    void replyWithoutIdIsAProtocolError() throws Exception {
        connected();
        CompletableFuture<JsonNode> status = async(() -> qmp.execute("query-status"));
        qemu.nextRequest(WAIT);
        qemu.send("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}\r\n");
        assertThat(failure(status, WAIT)).isInstanceOf(WireProtocolException.class).hasMessageContaining("reply without id");
    }

    @Test
    void peerClosingMidCallFailsTheCallAndWaitersPromptly() throws Exception {
        connected();
        EventWaiter shutdown = qmp.expect("SHUTDOWN");
        CompletableFuture<QmpEvent> waiting = async(() -> shutdown.await(Duration.ofSeconds(30)));
        CompletableFuture<JsonNode> status = async(() -> qmp.execute("query-status", null, Duration.ofSeconds(30)));
        qemu.nextRequest(WAIT);
        long start = System.nanoTime();
        qemu.closeConnection();
        assertThat(failure(status, Duration.ofSeconds(1))).isInstanceOf(WireDisconnectedException.class)
                .hasMessage("query-status: QMP connection to qmp.sock closed by QEMU");
        assertThat(failure(waiting, Duration.ofSeconds(1))).isInstanceOf(WireDisconnectedException.class)
                .hasMessageContaining("waiting for SHUTDOWN");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(qmp.isConnected()).isFalse();
        assertThatThrownBy(() -> qmp.execute("cont")).isInstanceOf(WireDisconnectedException.class)
                .hasMessage("cont: not connected: QMP connection to qmp.sock closed by QEMU");
        assertThatThrownBy(() -> qmp.expect("RESUME")).isInstanceOf(WireDisconnectedException.class);
    }

    @Test
    void eventsThatArrivedBeforeTheConnectionDroppedAreStillDelivered() throws Exception {
        connected();
        EventWaiter shutdown = qmp.expect("SHUTDOWN");
        qemu.send("{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}, "
                + "\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n");
        qemu.closeConnection();
        Thread.sleep(100);
        assertThat(shutdown.await(WAIT).data().path("reason").asText()).isEqualTo("host-qmp-quit");
    }

    @Test
    void closingTheClientFailsPendingCalls() throws Exception {
        connected();
        CompletableFuture<JsonNode> status = async(() -> qmp.execute("query-status"));
        qemu.nextRequest(WAIT);
        qmp.close();
        assertThat(failure(status, Duration.ofSeconds(1))).isInstanceOf(WireDisconnectedException.class)
                .hasMessageContaining("closed by the client");
    }

    @Test
    void timeoutFailsTheCallAndALateReplyIsDropped() throws Exception {
        connected();
        assertThatThrownBy(() -> async(() -> qmp.execute("query-status", null, Duration.ofMillis(200))).join())
                .hasCauseInstanceOf(WireTimeoutException.class)
                .cause().hasMessage("query-status: no reply within 200 ms");
        ObjectNode late = qemu.nextRequest(WAIT);
        qemu.send(FakePeer.reply(late, "{\"status\": \"stale\"}"));
        CompletableFuture<JsonNode> next = async(() -> qmp.execute("query-status"));
        ObjectNode request = qemu.nextRequest(WAIT);
        qemu.send(FakePeer.reply(request, "{\"status\": \"running\"}"));
        assertThat(next.get(5, TimeUnit.SECONDS).path("status").asText()).isEqualTo("running");
        assertThat(qmp.isConnected()).isTrue();
    }

    @Test
    void aSlowListenerDoesNotDelayReplies() throws Exception {
        connected();
        CountDownLatch release = new CountDownLatch(1);
        qmp.onEvent(event -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        qemu.send("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n");
        CompletableFuture<JsonNode> status = async(() -> qmp.execute("query-status"));
        ObjectNode request = qemu.nextRequest(WAIT);
        qemu.send(FakePeer.reply(request, "{\"status\": \"paused\"}"));
        assertThat(status.get(2, TimeUnit.SECONDS).path("status").asText()).isEqualTo("paused");
        release.countDown();
    }

    private static void awaitSize(List<?> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(list).hasSize(size);
    }
}
