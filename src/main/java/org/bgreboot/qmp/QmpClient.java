package org.bgreboot.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.bgreboot.jsonwire.JsonSocket;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireException;
import org.bgreboot.jsonwire.WireProtocolException;
import org.bgreboot.jsonwire.WireTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP connection to one QEMU process, thread-safe.
 *
 * <p>Every command carries a unique id; one reader thread routes replies by id to the waiting
 * caller and events to waiters ({@link #expect}) and listeners ({@link #onEvent}). Listeners run
 * on a separate thread so a slow one never delays replies. When the socket closes, every pending
 * call and waiter fails at once with {@link WireDisconnectedException}, and so does every later
 * call.
 */
public final class QmpClient implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Spent on the greeting and qmp_capabilities even when connecting used up the timeout. */
    private static final Duration MIN_HANDSHAKE = Duration.ofMillis(500);

    private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);

    private record PendingCall(String command, CompletableFuture<ObjectNode> reply) {
    }

    private final String name;
    private final Object lock = new Object();
    private final Map<Long, PendingCall> pending = new HashMap<>();
    private final List<EventWaiter> waiters = new ArrayList<>();
    private final List<Consumer<QmpEvent>> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<ObjectNode> greeting = new CompletableFuture<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final JsonSocket socket;
    /** Guarded by lock; non-null once disconnected, saying why. */
    private WireException disconnectedBy;
    /** Guarded by lock; created with the first listener. */
    private ExecutorService listenerThread;

    private QmpClient(Path path, SocketChannel channel) {
        this.name = String.valueOf(path.getFileName());
        this.socket = new JsonSocket(channel, "qmp-reader " + name, LOG);
    }

    /**
     * Connects to QEMU's QMP socket, retrying until it accepts (QEMU may still be creating it),
     * reads the greeting and negotiates capabilities, all within {@code timeout}.
     *
     * @throws WireDisconnectedException when the socket did not accept in time
     * @throws WireTimeoutException when QEMU accepted but did not greet in time
     * @throws WireProtocolException when the greeting is not a QMP greeting
     */
    public static QmpClient connect(Path socket, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel channel = JsonSocket.connect(socket, "QMP", timeout);
        QmpClient client = new QmpClient(socket, channel);
        client.socket.start(client.new Router());
        try {
            client.handshake(deadline);
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private void handshake(long deadline) {
        Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), MIN_HANDSHAKE.toNanos()));
        try {
            greeting.get(left.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new WireTimeoutException("greeting", left, "no reply");
        } catch (ExecutionException e) {
            throw relabel("greeting", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WireException(name + ": interrupted while waiting for the QMP greeting", e);
        }
        left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), MIN_HANDSHAKE.toNanos()));
        execute("qmp_capabilities", null, left);
    }

    /** The greeting's "QMP" object: {@code version}, {@code capabilities}. */
    public JsonNode greeting() {
        return greeting.join().get("QMP");
    }

    public JsonNode execute(String command) {
        return execute(command, null, DEFAULT_TIMEOUT);
    }

    public JsonNode execute(String command, Object arguments) {
        return execute(command, arguments, DEFAULT_TIMEOUT);
    }

    /**
     * Sends a command and returns its {@code return} value.
     *
     * @param arguments null, a Map, a Jackson object node or anything Jackson turns into an object
     * @throws WireCommandException when QEMU answers with an error
     * @throws WireTimeoutException when no reply came within {@code timeout} (a late reply is dropped)
     * @throws WireDisconnectedException when the connection is or goes down
     * @throws WireProtocolException when QEMU's output broke the protocol (the connection is closed)
     */
    public JsonNode execute(String command, Object arguments, Duration timeout) {
        JsonNode args = toArguments(command, arguments);
        long id = nextId.getAndIncrement();
        ObjectNode request = JsonSocket.MAPPER.createObjectNode().put("execute", command);
        if (args != null) {
            request.set("arguments", args);
        }
        request.put("id", id);

        PendingCall call = new PendingCall(command, new CompletableFuture<>());
        synchronized (lock) {
            if (disconnectedBy != null) {
                throw notConnected(command);
            }
            pending.put(id, call);
        }
        try {
            socket.send(request);
        } catch (IOException e) {
            disconnect(new WireDisconnectedException("QMP connection to " + name + " lost: " + e.getMessage(), e));
        }
        ObjectNode reply;
        try {
            reply = call.reply().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            forget(id);
            throw new WireTimeoutException(command, timeout, "no reply");
        } catch (ExecutionException e) {
            throw relabel(command, e.getCause());
        } catch (InterruptedException e) {
            forget(id);
            Thread.currentThread().interrupt();
            throw new WireException(command + ": interrupted while waiting for the reply", e);
        }
        JsonNode error = reply.get("error");
        if (error != null) {
            throw WireCommandException.fromReply(command, request, reply);
        }
        return reply.get("return");
    }

    /** Runs an HMP command through {@code human-monitor-command}; HMP reports its errors in the output. */
    public String hmp(String commandLine) {
        return execute("human-monitor-command", Map.of("command-line", commandLine)).asText();
    }

    /**
     * Registers a listener for every event. Listeners run one at a time, in arrival order, on a
     * thread of their own (not the reader), and only see events that arrive after registering.
     */
    public Subscription onEvent(Consumer<QmpEvent> listener) {
        Consumer<QmpEvent> entry = listener::accept; // a fresh identity, so close() removes just this one
        synchronized (lock) {
            if (listenerThread == null && disconnectedBy == null) {
                listenerThread = Executors.newSingleThreadExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "qmp-events " + name);
                    thread.setDaemon(true);
                    return thread;
                });
            }
        }
        listeners.add(entry);
        return () -> listeners.remove(entry);
    }

    /** Like {@link #expect(String, Predicate)} for any event of that name. */
    public EventWaiter expect(String eventName) {
        return expect(eventName, event -> true);
    }

    /**
     * Starts collecting events named {@code eventName} that match {@code filter}; call it before
     * the command that causes the event, then {@link EventWaiter#await}.
     *
     * @throws WireDisconnectedException when the connection is already down
     */
    public EventWaiter expect(String eventName, Predicate<QmpEvent> filter) {
        EventWaiter waiter = new EventWaiter(eventName, filter, this::unregister);
        synchronized (lock) {
            if (disconnectedBy != null) {
                throw notConnected("waiting for " + eventName);
            }
            waiters.add(waiter);
        }
        return waiter;
    }

    public boolean isConnected() {
        synchronized (lock) {
            return disconnectedBy == null;
        }
    }

    /** Closes the socket; pending calls and waiters fail with {@link WireDisconnectedException}. Idempotent. */
    @Override
    public void close() {
        disconnect(new WireDisconnectedException("QMP connection to " + name + " closed by the client"));
        socket.close();
    }

    private void unregister(EventWaiter waiter) {
        synchronized (lock) {
            waiters.remove(waiter);
        }
    }

    private void forget(long id) {
        synchronized (lock) {
            pending.remove(id);
        }
    }

    private WireDisconnectedException notConnected(String what) {
        WireException reason;
        synchronized (lock) {
            reason = disconnectedBy;
        }
        return new WireDisconnectedException(what + ": not connected: " + reason.getMessage(), reason);
    }

    /** Gives a connection-level failure the name of the call it broke, keeping its type. */
    private static WireException relabel(String what, Throwable cause) {
        if (cause instanceof WireProtocolException p) {
            return p.during(what);
        }
        if (cause instanceof WireException q) {
            return new WireDisconnectedException(what + ": " + q.getMessage(), q);
        }
        return new WireException(what + ": " + cause, cause);
    }

    private static JsonNode toArguments(String command, Object arguments) {
        if (arguments == null) {
            return null;
        }
        JsonNode node = arguments instanceof JsonNode json ? json : JsonSocket.MAPPER.valueToTree(arguments);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(command + ": arguments must be a JSON object, got " + node.getNodeType());
        }
        return node;
    }

    /** First reason wins; everything waiting fails with it, listeners get no more events. */
    private void disconnect(WireException reason) {
        List<PendingCall> calls;
        List<EventWaiter> orphans;
        ExecutorService listenerExecutor;
        synchronized (lock) {
            if (disconnectedBy != null) {
                return;
            }
            disconnectedBy = reason;
            calls = new ArrayList<>(pending.values());
            pending.clear();
            orphans = new ArrayList<>(waiters);
            listenerExecutor = listenerThread;
        }
        LOG.debug("{}: disconnected: {}", name, reason.getMessage());
        greeting.completeExceptionally(reason);
        calls.forEach(call -> call.reply().completeExceptionally(reason));
        orphans.forEach(waiter -> waiter.disconnected(reason));
        if (listenerExecutor != null) {
            listenerExecutor.shutdown(); // events already queued are still delivered
        }
        socket.close();
    }

    private void failProtocol(String problem, String received) {
        disconnect(new WireProtocolException(problem + " from " + name, received));
    }

    /** Runs on the reader thread. */
    private final class Router implements JsonSocket.Receiver {
        @Override
        public void onMessage(ObjectNode message) {
            if (!greeting.isDone()) {
                if (message.path("QMP").isObject()) {
                    greeting.complete(message);
                } else {
                    failProtocol("bad QMP greeting", message.toString());
                }
            } else if (message.has("event")) {
                dispatch(toEvent(message));
            } else if (message.has("return") || message.has("error")) {
                route(message);
            } else {
                failProtocol("unexpected message", message.toString());
            }
        }

        @Override
        public void onSentinel() {
            failProtocol("unexpected 0xFF byte", null);
        }

        @Override
        public void onGarbage(String text) {
            failProtocol("malformed JSON", text);
        }

        @Override
        public void onClosed(IOException cause) {
            disconnect(cause == null
                    ? new WireDisconnectedException("QMP connection to " + name + " closed by QEMU")
                    : new WireDisconnectedException("QMP connection to " + name + " lost: " + cause.getMessage(), cause));
        }

        private void route(ObjectNode reply) {
            JsonNode id = reply.get("id");
            if (id == null) {
                // QEMU could not even parse a command; nothing says which call it belongs to.
                failProtocol("reply without id", reply.toString());
                return;
            }
            PendingCall call = null;
            if (id.isIntegralNumber()) {
                synchronized (lock) {
                    call = pending.remove(id.asLong());
                }
            }
            if (call == null) {
                LOG.debug("{}: dropping reply to id {} (timed out or unknown)", name, id);
                return;
            }
            call.reply().complete(reply);
        }

        private void dispatch(QmpEvent event) {
            List<EventWaiter> interested = new ArrayList<>();
            ExecutorService listenerExecutor;
            synchronized (lock) {
                for (EventWaiter waiter : waiters) {
                    if (waiter.eventName().equals(event.name())) {
                        interested.add(waiter);
                    }
                }
                listenerExecutor = listenerThread;
            }
            interested.forEach(waiter -> waiter.offer(event));
            if (listenerExecutor != null && !listeners.isEmpty()) {
                try {
                    listenerExecutor.execute(() -> notifyListeners(event));
                } catch (RejectedExecutionException e) {
                    LOG.debug("{}: {} not delivered to listeners: client closed", name, event.name());
                }
            }
        }

        private void notifyListeners(QmpEvent event) {
            for (Consumer<QmpEvent> listener : listeners) {
                try {
                    listener.accept(event);
                } catch (RuntimeException e) {
                    LOG.warn("{}: event listener failed on {}: {}", name, event.name(), e.toString(), e);
                }
            }
        }

        private QmpEvent toEvent(ObjectNode message) {
            JsonNode data = message.get("data");
            if (data == null || data.isNull()) {
                data = JsonSocket.MAPPER.createObjectNode();
            }
            JsonNode stamp = message.get("timestamp");
            Instant timestamp = stamp == null
                    ? Instant.now()
                    : Instant.ofEpochSecond(stamp.path("seconds").asLong(), stamp.path("microseconds").asLong() * 1000);
            return new QmpEvent(message.path("event").asText(), data, timestamp);
        }
    }
}
