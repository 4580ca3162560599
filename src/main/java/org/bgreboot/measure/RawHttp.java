package org.bgreboot.measure;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A minimal HTTP/1.0 client over a raw {@link Socket}: one fresh TCP connection per request, one
 * deadline for connect + send + receive. A pooled client would keep connections alive across a
 * switch and report what an old connection saw, not what a new client sees.
 */
public final class RawHttp {

    /** Bodies larger than this are refused: the service's answers are small, a ledger a few MB. */
    static final int MAX_BODY = 64 << 20;

    public record Response(int status, String body) {}

    private RawHttp() {}

    public static Response get(URI url, Duration timeout) throws IOException {
        return exchange("GET", url, null, timeout);
    }

    public static Response post(URI url, String body, Duration timeout) throws IOException {
        return exchange("POST", url, body == null ? "" : body, timeout);
    }

    /** Sends one request and reads the whole answer, or throws once {@code timeout} has passed. */
    public static Response exchange(String method, URI url, String body, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int port = url.getPort() != -1 ? url.getPort() : 80;
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) path += "?" + url.getRawQuery();
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.0\r\n")
                .append("Host: ").append(url.getHost()).append(':').append(port).append("\r\n")
                .append("Connection: close\r\n");
        if (body != null) {
            head.append("Content-Type: text/plain\r\nContent-Length: ").append(payload.length).append("\r\n");
        }
        head.append("\r\n");

        try (Socket socket = ClientNetns.socketFor(url.getHost())) {
            // RST on close: no TIME_WAIT left behind by a hundred probes a second, nor by abandoned requests.
            socket.setSoLinger(true, 0);
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(url.getHost(), port), remainingMs(deadline));
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            return readResponse(socket, deadline);
        }
    }

    private static Response readResponse(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
        byte[] chunk = new byte[8192];
        int headerEnd = -1;
        long contentLength = -1;
        boolean chunked = false;
        int status = 0;
        while (true) {
            if (headerEnd >= 0 && contentLength >= 0 && buf.size() - headerEnd >= contentLength) break;
            socket.setSoTimeout(remainingMs(deadline));
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no complete answer within the timeout"
                        + (status != 0 ? " (status " + status + " received)" : ""));
            }
            if (n < 0) break;
            buf.write(chunk, 0, n);
            if (buf.size() > MAX_BODY) throw new IOException("answer larger than " + MAX_BODY + " bytes");
            if (headerEnd < 0) {
                byte[] sofar = buf.toByteArray();
                headerEnd = indexOfBlankLine(sofar);
                if (headerEnd >= 0) {
                    String headers = new String(sofar, 0, headerEnd, StandardCharsets.ISO_8859_1);
                    status = parseStatus(headers);
                    for (String line : headers.split("\r\n")) {
                        String lower = line.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("content-length:")) {
                            contentLength = Long.parseLong(lower.substring(15).trim());
                        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                            chunked = true;
                        }
                    }
                    if (chunked) contentLength = -1; // read to EOF, decode below
                }
            }
        }
        byte[] all = buf.toByteArray();
        if (headerEnd < 0) {
            throw new IOException(all.length == 0 ? "connection closed before any answer" : "connection closed inside the headers");
        }
        int bodyLength = all.length - headerEnd;
        if (contentLength >= 0) {
            if (bodyLength < contentLength) throw new IOException("connection closed inside the body");
            bodyLength = (int) contentLength;
        }
        byte[] body = new byte[bodyLength];
        System.arraycopy(all, headerEnd, body, 0, bodyLength);
        if (chunked) body = dechunk(body);
        return new Response(status, new String(body, StandardCharsets.UTF_8));
    }

    /** Index just past the first CRLF CRLF, or -1. */
    private static int indexOfBlankLine(byte[] b) {
        for (int i = 3; i < b.length; i++) {
            if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n') return i + 1;
        }
        return -1;
    }

    private static int parseStatus(String headers) throws IOException {
        String first = headers.lines().findFirst().orElse("");
        String[] parts = first.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP status line: " + first);
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + first);
        }
    }

    /** Some servers answer chunked even to HTTP/1.0; decode rather than fail. */
    private static byte[] dechunk(byte[] in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        int pos = 0;
        while (pos < in.length) {
            int eol = pos;
            while (eol + 1 < in.length && !(in[eol] == '\r' && in[eol + 1] == '\n')) eol++;
            if (eol + 1 >= in.length) throw new IOException("truncated chunked body");
            String sizeLine = new String(in, pos, eol - pos, StandardCharsets.ISO_8859_1);
            int size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
            pos = eol + 2;
            if (size == 0) break;
            if (pos + size > in.length) throw new IOException("truncated chunked body");
            out.write(in, pos, size);
            pos += size + 2;
        }
        return out.toByteArray();
    }

    private static int remainingMs(long deadlineNanos) throws SocketTimeoutException {
        long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (left <= 0) throw new SocketTimeoutException("no complete answer within the timeout");
        return (int) Math.min(left, Integer.MAX_VALUE);
    }
}
