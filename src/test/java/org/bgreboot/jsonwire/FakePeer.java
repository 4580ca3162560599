package org.bgreboot.jsonwire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The other end of a real Unix socket, in the test's process: plays QEMU's QMP monitor or the
 * guest agent. Scripted commands are answered by the reader thread; the rest queue up for the
 * test to answer by hand with {@link #send}. Everything received is also recorded in order.
 */
public final class FakePeer implements AutoCloseable {

    /** Marks a 0xFF byte among the recorded input. */
    public static final Object SENTINEL = "0xFF";

    public static final String GREETING =
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}\r\n";

    private final ServerSocketChannel server;
    private final CountDownLatch accepted = new CountDownLatch(1);
    private final BlockingQueue<ObjectNode> unanswered = new LinkedBlockingQueue<>();
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final Map<String, Function<ObjectNode, String>> script = new ConcurrentHashMap<>();
    private volatile String onConnect;
    private volatile Runnable onSentinel;
    private volatile SocketChannel client;

    private FakePeer(Path path) throws IOException {
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Thread acceptor = new Thread(this::serve, "fake-peer " + path.getFileName());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A bare peer: no greeting, nothing scripted. */
    public static FakePeer listen(Path path) {
        try {
            return new FakePeer(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Greets like QEMU and accepts qmp_capabilities. */
    public static FakePeer qemu(Path path) {
        FakePeer peer = listen(path);
        peer.greetWith(GREETING);
        peer.answer("qmp_capabilities", request -> reply(request, "{}"));
        return peer;
    }

    /** Behaves like qemu-ga for sync: an error for a stray 0xFF, a 0xFF-prefixed answer to guest-sync-delimited. */
    public static FakePeer agent(Path path) {
        FakePeer peer = listen(path);
        peer.onSentinel = () -> peer.send("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\n");
        peer.answer("guest-sync-delimited", request ->
                "\u00ff{\"return\": " + request.path("arguments").path("id").asLong() + "}\n");
        return peer;
    }

    /** A reply text echoing the request's id. */
    public static String reply(ObjectNode request, String returnJson) {
        return "{\"return\": " + returnJson + idPart(request) + "}\r\n";
    }

    public static String error(ObjectNode request, String errorClass, String desc) {
        return "{\"error\": {\"class\": \"" + errorClass + "\", \"desc\": \"" + desc + "\"}" + idPart(request) + "}\r\n";
    }

    private static String idPart(ObjectNode request) {
        return request.has("id") ? ", \"id\": " + request.get("id") : "";
    }

    public void greetWith(String text) {
        onConnect = text;
    }

    /** Answers {@code command} from the reader thread with whatever {@code responder} returns (null: no answer). */
    public void answer(String command, Function<ObjectNode, String> responder) {
        script.put(command, responder);
    }

    /** The next request that no script answered. */
    public ObjectNode nextRequest(Duration timeout) {
        try {
            ObjectNode request = unanswered.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (request == null) {
                throw new AssertionError("no request within " + timeout);
            }
            return request;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Everything received so far and until {@code timeout}: requests and {@link #SENTINEL}s, in order. */
    public Object nextReceived(Duration timeout) {
        try {
            Object item = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (item == null) {
                throw new AssertionError("nothing received within " + timeout);
            }
            return item;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    public void awaitClient(Duration timeout) {
        try {
            if (!accepted.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no client within " + timeout);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Sends text as ISO-8859-1 so that "\u00ff" goes out as the single byte 0xFF. */
    public void send(String text) {
        sendBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends each byte in its own write, pausing so the client sees separate reads. */
    public void sendByteByByte(String text) {
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            sendBytes(new byte[] {b});
            try {
                Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    public synchronized void sendBytes(byte[] bytes) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                client.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the connection to the client, as QEMU does when it exits. */
    public void closeConnection() {
        try {
            if (client != null) {
                client.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closeConnection();
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void serve() {
        try {
            client = server.accept();
            if (onConnect != null) {
                send(onConnect);
            }
            accepted.countDown();
            JsonFrameSplitter splitter = new JsonFrameSplitter();
            JsonFrameSplitter.Sink sink = new JsonFrameSplitter.Sink() {
                @Override
                public void frame(byte[] json) {
                    try {
                        onRequest((ObjectNode) JsonSocket.MAPPER.readTree(json));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void garbage(byte[] bytes) {
                    received.add(new String(bytes, StandardCharsets.ISO_8859_1));
                }

                @Override
                public void sentinel() {
                    received.add(SENTINEL);
                    Runnable action = onSentinel;
                    if (action != null) {
                        action.run();
                    }
                }
            };
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            while (client.read(buffer) >= 0) {
                splitter.feed(buffer.array(), 0, buffer.position(), sink);
                buffer.clear();
            }
        } catch (IOException | UncheckedIOException e) {
            // the test closed the socket
        }
    }

    private void onRequest(ObjectNode request) {
        received.add(request);
        Function<ObjectNode, String> responder = script.get(request.path("execute").asText());
        if (responder == null) {
            unanswered.add(request);
            return;
        }
        String answer = responder.apply(request);
        if (answer != null) {
            send(answer);
        }
    }
}
