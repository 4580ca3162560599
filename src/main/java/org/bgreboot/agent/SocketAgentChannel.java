package org.bgreboot.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.bgreboot.jsonwire.JsonSocket;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireException;
import org.bgreboot.jsonwire.WireProtocolException;
import org.bgreboot.jsonwire.WireTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent reached through QEMU's chardev socket, thread-safe (one request at a time).
 *
 * <p>The agent has no greeting, and connecting succeeds even when no agent runs in the guest:
 * then nothing answers and calls time out. It answers requests in order, so a reply that missed
 * its timeout can still arrive later; the channel therefore resynchronises with
 * {@code guest-sync-delimited} before its first request and after any timeout or garbage, which
 * every call does by itself. A call's timeout covers that resynchronisation.
 */
public final class SocketAgentChannel implements AgentChannel {
    /** An unanswered sync older than this is sent again (its bytes may have been lost). */
    private static final Duration RESEND_SYNC_AFTER = Duration.ofSeconds(5);
    private static final byte[] SENTINEL = {(byte) 0xFF};
    private static final Logger LOG = LoggerFactory.getLogger(SocketAgentChannel.class);

    /** What the reader thread hands over, in stream order. */
    private sealed interface Incoming permits Message, Sentinel, Garbage, Closed {
    }

    private record Message(ObjectNode json) implements Incoming {
    }

    private record Sentinel() implements Incoming {
    }

    private record Garbage(String text) implements Incoming {
    }

    private record Closed(WireDisconnectedException reason) implements Incoming {
    }

    private final String name;
    private final JsonSocket socket;
    private final BlockingQueue<Incoming> inbox = new LinkedBlockingQueue<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicReference<WireDisconnectedException> closedBy = new AtomicReference<>();
    /** One request in flight at a time: replies carry no reliable link to their request but order. */
    private final Object requestLock = new Object();
    /** Guarded by requestLock. */
    private boolean needsSync = true;
    /** Guarded by requestLock: the id of a guest-sync-delimited not yet answered, or 0. */
    private long pendingSyncId;
    private long pendingSyncSentAt;
    private boolean syncSentinelSeen;

    private SocketAgentChannel(Path path, SocketChannel channel) {
        this.name = String.valueOf(path.getFileName());
        this.socket = new JsonSocket(channel, "qga-reader " + name, LOG);
        socket.start(new Reader()); // Reader only touches fields already assigned
    }

    /**
     * Connects to the agent's chardev socket, retrying until it accepts within {@code timeout}.
     * It does not wait for the agent: {@link #sync} does that.
     *
     * @throws WireDisconnectedException when the socket did not accept in time
     */
    public static SocketAgentChannel connect(Path socket, Duration timeout) {
        return new SocketAgentChannel(socket, JsonSocket.connect(socket, "guest agent", timeout));
    }

    @Override public String name() {
        return name;
    }

    /**
     * Resynchronises now: sends the 0xFF sentinel (which makes the agent drop any partial input)
     * and {@code guest-sync-delimited} with a random id, discards everything up to the 0xFF the
     * agent puts before its answer, then every reply until the one that returns this id.
     */
    @Override public void sync(Duration timeout) {
        synchronized (requestLock) {
            ensureOpen("guest-sync-delimited");
            resync(deadline(timeout), "guest-sync-delimited", timeout);
        }
    }

    @Override public JsonNode call(String command, Supplier<ObjectNode> arguments, Duration timeout) {
        synchronized (requestLock) {
            long deadline = deadline(timeout);
            ensureOpen(command);
            if (needsSync) {
                resync(deadline, command, timeout);
            }
            long id = nextId.getAndIncrement();
            ObjectNode request = request(command, arguments.get()).put("id", id);
            send(command, request);
            return awaitReply(request, id, deadline, timeout);
        }
    }

    @Override public void send(String command, ObjectNode arguments, Duration timeout) {
        synchronized (requestLock) {
            ensureOpen(command);
            if (needsSync) {
                resync(deadline(timeout), command, timeout);
            }
            send(command, request(command, arguments));
            needsSync = true; // an error reply may still come; the next call must not take it for its own
        }
    }

    @Override public boolean isConnected() {
        return closedBy.get() == null;
    }

    /** Closes the socket; a call waiting for a reply fails with {@link WireDisconnectedException}. Idempotent. */
    @Override public void close() {
        closedBy.compareAndSet(null, new WireDisconnectedException("guest agent connection " + name + " closed by the client"));
        socket.close();
    }

    private JsonNode awaitReply(ObjectNode request, long id, long deadline, Duration timeout) {
        String command = request.path("execute").asText();
        while (true) {
            Incoming incoming = next(deadline, command);
            if (incoming == null) {
                needsSync = true;
                throw new WireTimeoutException(command, timeout, "no reply from the guest agent");
            }
            if (incoming instanceof Closed closed) {
                throw new WireDisconnectedException(command + ": " + closed.reason().getMessage(), closed.reason());
            }
            if (incoming instanceof Garbage garbage) {
                needsSync = true;
                throw new WireProtocolException(command + ": malformed reply", garbage.text());
            }
            if (incoming instanceof Message message) {
                ObjectNode reply = message.json();
                JsonNode replyId = reply.get("id");
                if (replyId != null && !(replyId.isIntegralNumber() && replyId.asLong() == id)) {
                    LOG.debug("{}: discarding stale reply {}", name, JsonSocket.abbreviate(reply.toString()));
                    continue;
                }
                JsonNode error = reply.get("error");
                if (error != null) {
                    throw WireCommandException.fromReply(command, request, reply);
                }
                if (reply.has("return")) {
                    return reply.get("return");
                }
                needsSync = true;
                throw new WireProtocolException(command + ": unexpected message", reply.toString());
            }
            // A Sentinel here is the head of a late guest-sync-delimited reply: skip it.
        }
    }

    /**
     * Waits for the answer to a guest-sync-delimited, sending a new one only when none is
     * outstanding or the outstanding one is old. While the guest has not opened its port, QEMU
     * stops reading the socket: a sync per call from a tight ping loop would fill the socket
     * buffer and block the next write for good.
     */
    private void resync(long deadline, String operation, Duration timeout) {
        if (pendingSyncId == 0 || System.nanoTime() - pendingSyncSentAt > RESEND_SYNC_AFTER.toNanos()) {
            pendingSyncId = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
            pendingSyncSentAt = System.nanoTime();
            syncSentinelSeen = false;
            sendSentinel(operation);
            send(operation, request("guest-sync-delimited", JsonSocket.MAPPER.createObjectNode().put("id", pendingSyncId)));
        }
        while (true) {
            Incoming incoming = next(deadline, operation);
            if (incoming == null) {
                throw new WireTimeoutException(operation, timeout, "no reply from the guest agent to guest-sync-delimited");
            }
            if (incoming instanceof Closed closed) {
                throw new WireDisconnectedException(operation + ": " + closed.reason().getMessage(), closed.reason());
            }
            if (incoming instanceof Sentinel) {
                syncSentinelSeen = true;
            } else if (syncSentinelSeen && incoming instanceof Message message
                    && message.json().path("return").isIntegralNumber()
                    && message.json().path("return").asLong() == pendingSyncId) {
                LOG.debug("{}: in sync (id {})", name, pendingSyncId);
                pendingSyncId = 0;
                needsSync = false;
                return;
            } else {
                LOG.debug("{}: resync discards {}", name, incoming);
            }
        }
    }

    /** The next thing received before the deadline, or null. */
    private Incoming next(long deadline, String operation) {
        try {
            long left = deadline - System.nanoTime();
            return left > 0 ? inbox.poll(left, TimeUnit.NANOSECONDS) : inbox.poll();
        } catch (InterruptedException e) {
            needsSync = true;
            Thread.currentThread().interrupt();
            throw new WireException(operation + ": interrupted while waiting for the guest agent", e);
        }
    }

    private static ObjectNode request(String command, ObjectNode arguments) {
        ObjectNode request = JsonSocket.MAPPER.createObjectNode().put("execute", command);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        return request;
    }

    private void send(String operation, ObjectNode request) {
        try {
            socket.send(request);
        } catch (IOException e) {
            throw lost(operation, e);
        }
    }

    private void sendSentinel(String operation) {
        try {
            socket.sendBytes(SENTINEL);
        } catch (IOException e) {
            throw lost(operation, e);
        }
    }

    private WireDisconnectedException lost(String operation, IOException e) {
        closedBy.compareAndSet(null, new WireDisconnectedException("guest agent connection " + name + " lost: " + e.getMessage(), e));
        socket.close();
        return new WireDisconnectedException(operation + ": " + closedBy.get().getMessage(), e);
    }

    private void ensureOpen(String operation) {
        WireDisconnectedException reason = closedBy.get();
        if (reason != null) {
            throw new WireDisconnectedException(operation + ": not connected: " + reason.getMessage(), reason);
        }
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    /** Runs on the reader thread: only queues, the caller interprets. */
    private final class Reader implements JsonSocket.Receiver {
        @Override
        public void onMessage(ObjectNode message) {
            inbox.add(new Message(message));
        }

        @Override
        public void onSentinel() {
            inbox.add(new Sentinel());
        }

        @Override
        public void onGarbage(String text) {
            inbox.add(new Garbage(text));
        }

        @Override
        public void onClosed(IOException cause) {
            closedBy.compareAndSet(null, cause == null
                    ? new WireDisconnectedException("guest agent connection " + name + " closed by QEMU")
                    : new WireDisconnectedException("guest agent connection " + name + " lost: " + cause.getMessage(), cause));
            inbox.add(new Closed(closedBy.get()));
        }
    }
}
