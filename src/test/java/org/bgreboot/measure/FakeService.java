package org.bgreboot.measure;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The guest's web service in-process, switchable between the states a reboot passes through:
 * old OS, down (not listening: connections refused), slow (answers after {@link #SLOW_MS}),
 * disk detached (503 on /append), new OS with a new boot_id. The ledger survives every mode, as
 * the persistent disk does.
 */
final class FakeService implements AutoCloseable {

    enum Mode { V1, V1_NO_LENGTH, SLOW, DISK_DETACHED, DOWN, V2 }

    static final int SLOW_MS = 2000;

    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-service");
        t.setDaemon(true);
        return t;
    });
    private final List<Long> ledger = new ArrayList<>();
    private long nextSeq = 1;
    private volatile Mode mode = Mode.V1;
    private HttpServer server;
    private final int port;

    FakeService() throws IOException {
        server = listen(0);
        port = server.getAddress().getPort();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    URI root() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /** Switches mode; DOWN closes the listening socket, leaving it re-opens it on the same port. */
    synchronized void mode(Mode next) throws IOException {
        if (next == Mode.DOWN && server != null) {
            server.stop(0);
            server = null;
        }
        mode = next;
        if (next != Mode.DOWN && server == null) server = relisten();
    }

    String ledgerBody() {
        StringBuilder b = new StringBuilder();
        synchronized (ledger) {
            for (long seq : ledger) b.append(seq).append('\n');
        }
        return b.toString();
    }

    /** Loses a write that was acknowledged: what LedgerCheck must catch. */
    void dropFromLedger(long seq) {
        synchronized (ledger) {
            ledger.remove(Long.valueOf(seq));
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) server.stop(0);
        server = null;
        handlers.shutdownNow();
    }

    private HttpServer relisten() throws IOException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (true) {
            try {
                return listen(port);
            } catch (BindException e) {
                if (System.nanoTime() > deadline) throw e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private HttpServer listen(int onPort) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 128);
        s.setExecutor(handlers); // a slow answer must not hold up the others
        s.createContext("/", this::root);
        s.createContext("/append", this::append);
        s.createContext("/ledger", ex -> send(ex, 200, ledgerBody(), true));
        s.start();
        return s;
    }

    private void root(HttpExchange ex) throws IOException {
        Mode m = mode;
        if (m == Mode.SLOW) sleep(SLOW_MS);
        boolean v2 = m == Mode.V2;
        String body = "{\"version\":\"" + (v2 ? "v2" : "v1") + "\",\"kernel\":\""
                + (v2 ? "6.1.0-56-cloud-amd64" : "6.1.0-50-cloud-amd64") + "\",\"boot_id\":\""
                + (v2 ? "boot-2222" : "boot-1111") + "\"}";
        send(ex, 200, body, m != Mode.V1_NO_LENGTH);
    }

    private void append(HttpExchange ex) throws IOException {
        Mode m = mode;
        if (m == Mode.SLOW) sleep(SLOW_MS);
        if (m == Mode.DISK_DETACHED) {
            send(ex, 503, "persistent disk not attached\n", true);
            return;
        }
        long seq;
        synchronized (ledger) {
            seq = nextSeq++;
            ledger.add(seq);
        }
        send(ex, 200, "{\"seq\":" + seq + "}", true);
    }

    private static void send(HttpExchange ex, int status, String body, boolean withLength) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
        // Length 0 means "unknown": to an HTTP/1.0 client the server then closes the connection at the end.
        ex.sendResponseHeaders(status, withLength ? b.length : 0);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
