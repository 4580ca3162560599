package org.bgreboot.fleet;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One live line per VM: its phase and how long its reboot has taken so far. On a terminal the
 * lines are redrawn in place twice a second; elsewhere (a log, a pipe) a line is printed whenever
 * a VM's phase changes.
 */
final class FleetBoard implements AutoCloseable {
    /** @param startedNanos when its reboot began (0: not yet); {@code endedNanos} when it ended (0: not yet) */
    private record Line(String host, String phase, long startedNanos, long endedNanos) {
        double elapsed() {
            return startedNanos == 0 ? 0 : ((endedNanos == 0 ? System.nanoTime() : endedNanos) - startedNanos) / 1e9;
        }
    }

    private final PrintStream out;
    private final boolean live;
    private final long start = System.nanoTime();
    private final Map<String, Line> lines = new LinkedHashMap<>();
    private final Thread painter;
    private int drawn;
    private volatile boolean open = true;

    FleetBoard(PrintStream out, boolean terminal) {
        this.out = out;
        this.live = terminal;
        this.painter = new Thread(this::paintLoop, "fleet-board");
        painter.setDaemon(true);
        if (live) {
            painter.start();
        }
    }

    synchronized void add(String vm, String host, String phase) {
        lines.put(vm, new Line(host, phase, 0, 0));
    }

    /** The VM's reboot begins now. */
    synchronized void started(String vm) {
        Line l = lines.get(vm);
        lines.put(vm, new Line(l.host(), l.phase(), System.nanoTime(), 0));
    }

    /** A VM's new phase; {@code done} stops its clock. */
    synchronized void phase(String vm, String phase, boolean done) {
        Line l = lines.get(vm);
        if (l == null || (l.phase().equals(phase) && (l.endedNanos() != 0) == done)) {
            return;
        }
        lines.put(vm, new Line(l.host(), phase, l.startedNanos(), done && l.startedNanos() != 0 ? System.nanoTime() : l.endedNanos()));
        if (!live) {
            out.printf("[%6.2fs] %-20s %-9s %6.1f s  %s%n", (System.nanoTime() - start) / 1e9, vm, shortHost(l.host()), lines.get(vm).elapsed(), phase);
            out.flush();
        }
    }

    private void paintLoop() {
        while (open) {
            paint();
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void paint() {
        StringBuilder b = new StringBuilder();
        if (drawn > 0) {
            b.append("\033[").append(drawn).append("A");
        }
        for (Map.Entry<String, Line> e : lines.entrySet()) {
            Line l = e.getValue();
            b.append("\033[2K").append(String.format("%-20s %-9s %6.1f s  %s%n", e.getKey(), shortHost(l.host()), l.elapsed(), l.phase()));
        }
        drawn = lines.size();
        out.print(b);
        out.flush();
    }

    /** A host as a short label: the socket's folder for a private host, else the URI's host part. */
    static String shortHost(String uri) {
        int sock = uri.indexOf("socket=");
        if (sock >= 0) {
            String[] parts = uri.substring(sock + 7).split("/");
            return parts.length >= 3 ? parts[parts.length - 3] : uri;
        }
        try {
            String h = java.net.URI.create(uri).getHost();
            return h == null || h.isEmpty() ? uri : h;
        } catch (IllegalArgumentException e) {
            return uri;
        }
    }

    @Override public void close() {
        open = false;
        if (live) {
            painter.interrupt();
            paint();
        }
    }
}
