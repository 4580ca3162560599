package org.bgreboot.testnet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bgreboot.HostCommand;
import org.bgreboot.UserError;
import org.bgreboot.guest.GuestImage;

/**
 * A local apt repository of a guest's newer packages, served over HTTP, for a guest that updates
 * itself ({@code debian12-unattended}: Debian's unattended-upgrades takes every origin, and this
 * repository is its only source). Built by {@code guest/tools/local-apt-repo.sh} (apt-ftparchive)
 * from the packages the guest builder downloaded ({@link GuestImage#aptUpdates}), served by
 * {@code python3 -m http.server}: inside a test network's client namespace, where a bridged guest
 * reaches it at the client's address, or on the host's loopback, where a guest on QEMU user
 * networking reaches it at 10.0.2.2. Closing it stops the server (by its own process).
 */
public final class LocalAptRepository implements AutoCloseable {
    /** Where the guest names the repository (the only apt source of debian12-unattended). */
    public static final String SOURCES_FILE = "/etc/apt/sources.list.d/bgreboot-local.list";
    /** QEMU user networking's address of the host, as the guest sees it. */
    private static final String USER_NETWORK_HOST = "10.0.2.2";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final String guestUrl;
    private final Process server;

    private LocalAptRepository(Path dir, String guestUrl, Process server) {
        this.dir = dir;
        this.guestUrl = guestUrl;
        this.server = server;
    }

    /** Builds the repository in {@code dir} and serves it in {@code net}'s client namespace, on {@code port}. */
    public static LocalAptRepository serveIn(TestNetwork net, Path repo, GuestImage image, Path dir, int port) {
        build(repo, image, dir);
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", net.clientNetns()));
        argv.addAll(httpServer(dir, net.clientAddress(), port));
        return new LocalAptRepository(dir, "http://" + net.clientAddress() + ":" + port + "/", start(argv));
    }

    /** Builds the repository in {@code dir} and serves it on the host's 127.0.0.1:{@code port}, for a guest on user networking. */
    public static LocalAptRepository serveOnLoopback(Path repo, GuestImage image, Path dir, int port) {
        build(repo, image, dir);
        return new LocalAptRepository(dir, "http://" + USER_NETWORK_HOST + ":" + port + "/", start(httpServer(dir, "127.0.0.1", port)));
    }

    /** The repository's URL as the guest reaches it. */
    public String url() {
        return guestUrl;
    }

    /** The line for {@link #SOURCES_FILE}: a flat repository, unsigned (a test repository on a test network). */
    public String sourcesLine() {
        return "deb [trusted=yes] " + guestUrl + " ./";
    }

    public Path dir() {
        return dir;
    }

    @Override public void close() {
        server.destroy();
        try {
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void build(Path repo, GuestImage image, Path dir) {
        List<Path> debs = image.aptUpdates();
        if (debs.isEmpty()) {
            throw new UserError("the " + image.name() + " guest has no newer packages for a local repository (apt_updates in its "
                    + "guest.json): use debian12-unattended");
        }
        List<String> argv = new ArrayList<>(List.of("bash", repo.resolve("guest/tools/local-apt-repo.sh").toString(), dir.toString()));
        debs.forEach(d -> argv.add(d.toString()));
        HostCommand r = HostCommand.run(argv);
        if (!r.ok()) {
            throw new IllegalStateException("local-apt-repo.sh failed: " + r.lastLine());
        }
    }

    // ip netns exec execs its command: the process started is the server itself
    private static List<String> httpServer(Path dir, String address, int port) {
        return List.of("python3", "-u", "-m", "http.server", String.valueOf(port), "--bind", address, "--directory", dir.toString());
    }

    /** Starts the server and waits for its "Serving HTTP" line: it listens from then on. */
    private static Process start(List<String> argv) {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", argv), e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = first.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            line = null;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the apt repository's server started", e);
        }
        if (line == null || !line.startsWith("Serving HTTP")) {
            p.destroyForcibly();
            throw new IllegalStateException("the apt repository's server did not start (" + String.join(" ", argv) + "): " + line);
        }
        // its request log must not fill the pipe and stall it
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discarded: the guest's apt says what it fetched
                }
            } catch (IOException e) {
                // the server ended
            }
        }, "apt-repo-log");
        drain.setDaemon(true);
        drain.start();
        return p;
    }
}
