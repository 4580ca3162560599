package org.bgreboot.measure;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where clients of a VM stand: a bridged VM's address may be reachable only from another network
 * namespace (the tests' client namespace), and the prober, the writer and the load live in this
 * JVM. A socket keeps the namespace of the thread that made it, so a socket for a routed address is
 * made on a thread that entered that namespace ({@code setns(2)}, which changes only the calling
 * thread) and then used from any thread. Addresses not routed here are reached from the host's.
 */
public final class ClientNetns {
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Map<String, String> ROUTES = new ConcurrentHashMap<>();
    private static final Map<String, Maker> MAKERS = new ConcurrentHashMap<>();

    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private ClientNetns() {}

    /** From now on, {@code host} is reached from network namespace {@code netns} (a name of /run/netns); "" for the host's. */
    public static void route(String host, String netns) {
        if (netns == null || netns.isEmpty()) {
            ROUTES.remove(host);
        } else {
            ROUTES.put(host, netns);
        }
    }

    /** An unconnected socket for {@code host}, made in the namespace {@code host} is reached from. */
    static Socket socketFor(String host) throws IOException {
        String netns = ROUTES.get(host);
        if (netns == null) {
            return new Socket();
        }
        Maker maker = MAKERS.computeIfAbsent(netns, Maker::new);
        try {
            return maker.thread.submit(() -> {
                maker.enter();
                Socket s = new Socket();
                s.setSoLinger(true, 0); // creates the socket now, on this thread, in its namespace
                return s;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making a socket in " + netns, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** One thread per namespace, entered on its first task, that makes the sockets reaching it. */
    private static final class Maker {
        final String netns;
        final ExecutorService thread;
        private boolean entered;

        Maker(String netns) {
            this.netns = netns;
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "netns-" + netns);
                t.setDaemon(true);
                return t;
            });
        }

        /** Runs on the maker's thread only. */
        void enter() throws IOException {
            if (entered) {
                return;
            }
            LibC libc = Native.load("c", LibC.class);
            int fd;
            try {
                fd = libc.open("/run/netns/" + netns, O_RDONLY_CLOEXEC);
            } catch (LastErrorException e) {
                throw new IOException("network namespace " + netns + " does not exist (/run/netns/" + netns + ")");
            }
            try {
                libc.setns(fd, CLONE_NEWNET);
            } catch (LastErrorException e) {
                throw new IOException("cannot enter network namespace " + netns + " (errno " + e.getErrorCode() + ")");
            } finally {
                libc.close(fd);
            }
            entered = true;
        }
    }
}
