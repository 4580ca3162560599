package org.bgreboot.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.bgreboot.engine.embedded.Liveness;

/**
 * Watches, every few milliseconds, how many QEMU processes have a file open (from /proc/PID/fd), and
 * keeps the maximum: the persistent disk must never be open in two processes at once.
 */
public final class OpenFileWatch implements AutoCloseable {
    private final Path file;
    private final AtomicInteger max = new AtomicInteger();
    private final Set<Long> holders = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;

    public OpenFileWatch(Path file) {
        this.file = file.toAbsolutePath();
        this.thread = new Thread(this::loop, "open-file-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            int n = 0;
            try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
                for (ProcessHandle h : (Iterable<ProcessHandle>) all::iterator) {
                    if (Liveness.cmdline(h.pid()).contains("qemu-system") && holds(h.pid())) {
                        n++;
                        synchronized (holders) {
                            holders.add(h.pid());
                        }
                    }
                }
            }
            max.accumulateAndGet(n, Math::max);
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean holds(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    /** The most QEMU processes that had the file open at the same time. */
    public int maxSimultaneous() {
        return max.get();
    }

    /** Every QEMU process that had it open at some point. */
    public Set<Long> holders() {
        synchronized (holders) {
            return Set.copyOf(holders);
        }
    }

    @Override public void close() throws InterruptedException {
        running = false;
        thread.join(1000);
    }
}
