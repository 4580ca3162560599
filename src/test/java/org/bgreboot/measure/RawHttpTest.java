package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The raw client against a server that answers exactly the bytes a test gives it. */
class RawHttpTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @Test
    void decodesAChunkedAnswer() throws Exception {
        String answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n{\"a\":\r\n4\r\n\"b\"}\r\n0\r\n\r\n";
        assertThat(once(answer, true)).isEqualTo(new RawHttp.Response(200, "{\"a\":\"b\"}"));
    }

    @Test
    void readsTheStatusOfAnError() throws Exception {
        assertThat(once("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ngone", true))
                .isEqualTo(new RawHttp.Response(503, "gone"));
    }

    @Test
    void failsOnAnAnswerThatIsNotHttp() {
        assertThatThrownBy(() -> once("SSH-2.0-OpenSSH\r\n\r\n", true)).isInstanceOf(IOException.class)
                .hasMessageContaining("status line");
    }

    @Test
    void failsWhenTheConnectionClosesWithoutAnAnswer() {
        assertThatThrownBy(() -> once("", true)).isInstanceOf(IOException.class).hasMessageContaining("before any answer");
    }

    @Test
    void timesOutWhenTheServerNeverAnswers() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> once("", false)).isInstanceOf(SocketTimeoutException.class);
        assertThat((System.nanoTime() - t0) / 1e6).isLessThan(TIMEOUT.toMillis() + 1000);
    }

    @Test
    void sendsAnHttp10RequestThatClosesTheConnection() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> request = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    String head = readHead(s.getInputStream());
                    byte[] body = s.getInputStream().readNBytes(2);
                    s.getOutputStream().write("HTTP/1.0 200 OK\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII));
                    return head + new String(body, StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            URI url = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/append?x=1");
            assertThat(RawHttp.post(url, "hi", TIMEOUT).status()).isEqualTo(200);
            assertThat(request.get())
                    .startsWith("POST /append?x=1 HTTP/1.0\r\n")
                    .contains("Connection: close\r\n", "Content-Length: 2\r\n")
                    .endsWith("\r\n\r\nhi");
        }
    }

    /** Serves one connection: reads the request head, writes {@code answer}, closes if asked. */
    private static RawHttp.Response once(String answer, boolean close) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    readHead(s.getInputStream());
                    s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    if (!close) Thread.sleep(TIMEOUT.toMillis() + 500);
                } catch (IOException | InterruptedException e) {
                    // the client gave up first: fine
                }
            });
            try {
                return RawHttp.get(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/"), TIMEOUT);
            } finally {
                served.get();
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) break;
            b.append((char) c);
        }
        return b.toString();
    }
}
