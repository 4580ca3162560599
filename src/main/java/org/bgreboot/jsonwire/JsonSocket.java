package org.bgreboot.jsonwire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The transport under QMP and the guest agent: a Unix stream socket carrying JSON objects. It
 * writes whole messages and runs one daemon reader thread that splits what arrives and hands it
 * to a {@link Receiver}. It knows nothing of commands, replies or events.
 */
public final class JsonSocket implements AutoCloseable {

    /** Called on the reader thread, in stream order; keep each call short. */
    public interface Receiver {
        void onMessage(ObjectNode message);

        /** The 0xFF sentinel byte (only the guest agent sends it). */
        void onSentinel();

        /** Bytes that are not a JSON object, as text. */
        void onGarbage(String text);

        /** Called once: {@code cause} is null for end of stream or a local close. */
        void onClosed(IOException cause);
    }

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private static final int LOG_LIMIT = 400;

    private final SocketChannel channel;
    private volatile Receiver receiver;
    private final Logger log;
    private final String label;
    private final Object writeLock = new Object();
    private volatile boolean closing;

    /** Wraps a connected channel; nothing is read until {@link #start}. */
    public JsonSocket(SocketChannel channel, String label, Logger log) {
        this.channel = channel;
        this.label = label;
        this.log = log;
    }

    /**
     * Connects to a Unix socket, retrying while it does not exist or refuses (the server may
     * still be creating it) until {@code timeout} has passed.
     *
     * @param peer who listens there, for the message: "QMP", "guest agent"
     * @throws WireDisconnectedException with the last failure when it did not accept in time
     */
    public static SocketChannel connect(Path socket, String peer, Duration timeout) {
        try {
            return connect(socket, timeout);
        } catch (IOException e) {
            throw new WireDisconnectedException("cannot connect to " + peer + " socket " + socket + " within "
                    + WireException.format(timeout) + ": " + e.getMessage(), e);
        }
    }

    private static SocketChannel connect(Path socket, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMillis = 5;
        while (true) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return channel;
            } catch (IOException e) {
                channel.close();
                if (System.nanoTime() - deadline >= 0) {
                    throw e;
                }
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while connecting to " + socket);
            }
            pauseMillis = Math.min(50, pauseMillis * 2);
        }
    }

    /**
     * Starts the reader thread, named after the label. Separate from the constructor so the
     * owner can finish constructing itself before the first message arrives.
     */
    public void start(Receiver receiver) {
        this.receiver = receiver;
        Thread reader = new Thread(this::readLoop, label);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Writes one message; concurrent senders never interleave. No newline follows: the peer's
     * parser needs none, and one left unread when QEMU exits turns its clean close into a reset.
     */
    public void send(JsonNode message) throws IOException {
        String text;
        try {
            text = MAPPER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise message: " + e.getOriginalMessage(), e);
        }
        if (log.isDebugEnabled()) {
            log.debug("{} -> {}", label, abbreviate(text));
        }
        writeRaw(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes raw bytes, e.g. the guest agent's 0xFF sentinel. */
    public void sendBytes(byte[] bytes) throws IOException {
        if (log.isDebugEnabled()) {
            log.debug("{} -> {} raw byte(s)", label, bytes.length);
        }
        writeRaw(bytes);
    }

    @Override
    public void close() {
        closing = true;
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("{}: closing the socket failed: {}", label, e.toString());
        }
    }

    private void writeRaw(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        synchronized (writeLock) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    private void readLoop() {
        JsonFrameSplitter splitter = new JsonFrameSplitter();
        JsonFrameSplitter.Sink sink = new JsonFrameSplitter.Sink() {
            @Override
            public void frame(byte[] json) {
                deliverFrame(json);
            }

            @Override
            public void garbage(byte[] bytes) {
                String text = new String(bytes, StandardCharsets.UTF_8).strip();
                log.debug("{} <- garbage: {}", label, abbreviate(text));
                deliver(() -> receiver.onGarbage(text));
            }

            @Override
            public void sentinel() {
                log.debug("{} <- 0xFF sentinel", label);
                deliver(receiver::onSentinel);
            }
        };
        ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
        IOException failure = null;
        try {
            while (channel.read(buffer) >= 0) {
                splitter.feed(buffer.array(), 0, buffer.position(), sink);
                buffer.clear();
            }
            log.debug("{}: end of stream", label);
        } catch (ClosedChannelException e) { // includes AsynchronousCloseException: close() from another thread
            log.debug("{}: socket closed", label);
        } catch (IOException e) {
            if (!closing) {
                failure = e;
                log.debug("{}: read failed: {}", label, e.toString());
            }
        } finally {
            close();
            IOException cause = failure;
            deliver(() -> receiver.onClosed(cause));
        }
    }

    private void deliverFrame(byte[] json) {
        String text = new String(json, StandardCharsets.UTF_8);
        if (log.isDebugEnabled()) {
            log.debug("{} <- {}", label, abbreviate(text));
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (IOException e) {
            deliver(() -> receiver.onGarbage(text));
            return;
        }
        if (node instanceof ObjectNode object) {
            deliver(() -> receiver.onMessage(object));
        } else {
            deliver(() -> receiver.onGarbage(text));
        }
    }

    /** A receiver bug must not kill the reader: the connection would hang instead of failing. */
    private void deliver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("{}: receiver failed: {}", label, e.toString(), e);
        }
    }

    /** Keeps log lines short: file transfers carry megabytes of base64. */
    public static String abbreviate(String text) {
        return text.length() <= LOG_LIMIT ? text : text.substring(0, LOG_LIMIT) + "...(" + text.length() + " chars)";
    }
}
