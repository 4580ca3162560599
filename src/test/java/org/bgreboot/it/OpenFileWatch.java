package org.bgreboot.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Every open and close of a file as the kernel reports it (fanotify, through the small helper
 * src/test/c/openwatch.c, built here with gcc): each open of the file waits while the helper looks
 * which QEMU processes have it open right then, so a second QEMU opening the persistent disk while
 * another still has it is seen however briefly the two overlap, including an open that QEMU's image
 * lock then refuses. Not sampling: the earlier watch read /proc every ~2 ms and could only show that
 * no overlap was long enough to be seen.
 */
public final class OpenFileWatch implements AutoCloseable {
    private static final Path SOURCE = TestVms.REPO.resolve("src/test/c/openwatch.c");
    private static final Path BINARY = TestVms.REPO.resolve("target/openwatch");

    /**
     * One event: {@code program}, the executable's name (a QEMU may name its process otherwise);
     * {@code holders} for an open, the other QEMU processes that had the file open at that instant.
     */
    public record Event(long nanos, String kind, long pid, String program, List<Long> holders) {
        boolean qemu() {
            return program.startsWith("qemu-system");
        }
    }

    /** The handover as the events show it: the QEMU that had the file, its last close, the next QEMU's first open. */
    public record Handover(long oldPid, long newPid, double oldLastCloseMs, double newFirstOpenMs) {
        /** How long after the old QEMU's last close the new one first opened the file (negative: before). */
        public double gapMs() {
            return newFirstOpenMs - oldLastCloseMs;
        }

        @Override public String toString() {
            return String.format("QEMU %d closed the file for the last time, QEMU %d opened it %.1f ms later", oldPid, newPid, gapMs());
        }
    }

    private final Path file;
    private final Process helper;
    private final Thread reader;
    private final List<Event> events = new ArrayList<>();
    private final List<Long> initialHolders;
    private final long startNanos;

    public OpenFileWatch(Path file) {
        this.file = file.toAbsolutePath();
        try {
            helper = new ProcessBuilder(binary().toString(), this.file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(helper.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            String ready = out.readLine();
            if (first == null || !first.startsWith("HOLDERS ") || !"READY".equals(ready)) {
                helper.destroy();
                throw new IllegalStateException("openwatch did not start on " + file + " (it said: " + first + ")");
            }
            initialHolders = pids(first.substring(8));
            startNanos = System.nanoTime();
            reader = new Thread(() -> read(out), "open-file-watch");
            reader.setDaemon(true);
            reader.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The helper, built once per build from its source. */
    private static synchronized Path binary() throws IOException {
        if (!Files.exists(BINARY) || Files.getLastModifiedTime(BINARY).compareTo(Files.getLastModifiedTime(SOURCE)) < 0) {
            Files.createDirectories(BINARY.getParent());
            Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", BINARY.toString(), SOURCE.toString()).redirectErrorStream(true).start();
            String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                    throw new IllegalStateException("gcc could not build " + SOURCE + ": " + log);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return BINARY;
    }

    private void read(BufferedReader out) {
        try {
            for (String line; (line = out.readLine()) != null; ) {
                String[] f = line.split(" ");
                if (f.length < 5) {
                    continue;
                }
                Event e = new Event(Long.parseLong(f[0]), f[1], Long.parseLong(f[2]), f[3], f[1].equals("OPEN") ? pids(f[4]) : List.of());
                synchronized (events) {
                    events.add(e);
                }
            }
        } catch (IOException e) {
            // the helper ended
        }
    }

    private static List<Long> pids(String list) {
        return list.equals("-") ? List.of() : java.util.Arrays.stream(list.split(",")).map(Long::parseLong).toList();
    }

    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Every open of the file by a QEMU while another QEMU had it open: must be none. */
    public List<Event> opensWhileHeld() {
        return events().stream().filter(e -> e.kind().equals("OPEN") && e.qemu() && !e.holders().isEmpty()).toList();
    }

    /** The most QEMU processes that had the file open at one instant (an open while others held it counts them all). */
    public int maxSimultaneous() {
        int max = initialHolders.size();
        for (Event e : events()) {
            if (e.kind().equals("OPEN") && e.qemu()) {
                max = Math.max(max, 1 + e.holders().size());
            }
        }
        return max;
    }

    /** Every QEMU process that had it open at some point. */
    public Set<Long> holders() {
        Set<Long> all = new LinkedHashSet<>(initialHolders);
        events().stream().filter(e -> e.kind().equals("OPEN") && e.qemu()).forEach(e -> all.add(e.pid()));
        return all;
    }

    /** The first handover of the file from the QEMU that had it when the watch began to another, if one happened. */
    public Optional<Handover> handover() {
        if (initialHolders.size() != 1) {
            return Optional.empty();
        }
        long old = initialHolders.get(0);
        List<Event> all = events();
        Optional<Event> firstOpen = all.stream().filter(e -> e.kind().equals("OPEN") && e.qemu() && e.pid() != old).findFirst();
        Optional<Event> lastClose = all.stream().filter(e -> e.kind().equals("CLOSE") && e.pid() == old).reduce((a, b) -> b);
        if (firstOpen.isEmpty() || lastClose.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Handover(old, firstOpen.get().pid(), ms(lastClose.get()), ms(firstOpen.get())));
    }

    private double ms(Event e) {
        return (e.nanos() - startNanos) / 1e6; // both CLOCK_MONOTONIC
    }

    /**
     * The file went from the QEMU that had it to the next one, and no QEMU opened it while another
     * had it open (the new one's first open came after the old one's last close): the handover, for the record.
     */
    public Handover assertHandedOverCleanly() {
        org.assertj.core.api.Assertions.assertThat(opensWhileHeld()).as("opens of the persistent disk by a QEMU while another had it open; " + describe())
                .isEmpty();
        Handover h = handover().orElseThrow(() -> new AssertionError("the persistent disk was not handed from one QEMU to another: " + describe()));
        org.assertj.core.api.Assertions.assertThat(h.gapMs()).as("the new QEMU's first open after the old one's last close; " + describe())
                .isGreaterThanOrEqualTo(0);
        System.out.println("open watch of " + file.getFileName() + ": " + h);
        return h;
    }

    /** For a failed assertion: the events as the helper saw them. */
    public String describe() {
        StringBuilder b = new StringBuilder("open/close events of " + file + " (QEMU holders at the start: " + initialHolders + "):");
        for (Event e : events()) {
            b.append(String.format("%n  %9.1f ms %-5s pid %d %s%s", ms(e), e.kind(), e.pid(), e.program(),
                    e.kind().equals("OPEN") ? " while held by " + (e.holders().isEmpty() ? "no other QEMU" : e.holders()) : ""));
        }
        return b.toString();
    }

    @Override public void close() throws InterruptedException {
        helper.destroy();
        helper.waitFor(5, TimeUnit.SECONDS);
        reader.join(2000);
    }
}
