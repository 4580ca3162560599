package org.bgreboot.reboot;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.Instance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boots the clone in FG's idle time, the paper's "idletime scheduling" made a property rather than
 * a priority. Every {@value #SAMPLE_MS} ms it reads how much CPU FG's instance used; while FG is
 * busy the clone's guest may use at most {@value #FLOOR} of one CPU, while FG idles it may use all.
 * The clone stays at idle priority throughout (its cgroup too is idle: see the engine's cap), so
 * the ceiling only ever takes CPU from the clone. Idle priority alone still cost FG about 12 % here
 * (a clone on the other CPU shares its caches and the CPU FG's I/O thread wants); the ceiling takes
 * most of that back. Past {@code deadline} the clone gets its fair share (normal priority, every
 * CPU), so a reboot ends on a host that is never idle.
 */
final class IdleGovernor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IdleGovernor.class);
    static final long SAMPLE_MS = 50;
    /** FG counts as busy above this fraction of one CPU (an idle TCG guest uses about 1 %). */
    static final double BUSY = 0.10;
    /** The clone's share of one CPU while FG is busy: about a third, so a boot takes about 3 times at most. */
    static final double FLOOR = 0.35;

    /** What the governor did, for the result. */
    record Report(BgShare policy, double throttledMs, boolean deadlineReached, String note) {}

    private final Instance fg;
    private final Instance bg;
    private final long deadlineNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile double throttledMs;
    private volatile boolean deadlineReached;
    private volatile String note = "";

    private IdleGovernor(Instance fg, Instance bg, Duration deadline) {
        this.fg = fg;
        this.bg = bg;
        this.deadlineNanos = System.nanoTime() + deadline.toNanos();
        this.thread = new Thread(this::govern, "idle-governor");
        this.thread.setDaemon(true);
    }

    /** Starts governing the clone until closed; under another policy it does nothing but report it. */
    static IdleGovernor start(BgShare policy, Instance fg, Instance bg, Duration deadline) {
        IdleGovernor g = new IdleGovernor(fg, bg, deadline);
        if (policy == BgShare.ADAPTIVE) {
            g.thread.start();
        } else {
            g.running = false;
        }
        return g;
    }

    Report report(BgShare policy) {
        return new Report(policy, throttledMs, deadlineReached, note);
    }

    private void govern() {
        OptionalLong last = fg.cpuTimeNanos();
        if (last.isEmpty()) {
            note = "FG's CPU time cannot be read: the clone ran at idle priority only";
            return;
        }
        long lastAt = System.nanoTime();
        boolean capped = false;
        while (running) {
            LockSupport.parkNanos(SAMPLE_MS * 1_000_000);
            long now = System.nanoTime();
            OptionalLong cpu = fg.cpuTimeNanos();
            if (cpu.isEmpty()) {
                break; // FG is gone: the clone is the VM-to-be, let it run
            }
            double busy = (double) (cpu.getAsLong() - last.getAsLong()) / (now - lastAt);
            if (capped) {
                throttledMs += (now - lastAt) / 1e6;
            }
            last = cpu;
            lastAt = now;
            if (now >= deadlineNanos) {
                deadlineReached = true;
                try {
                    if (capped) {
                        bg.capCpu(1.0);
                    }
                    bg.share(CpuShare.NORMAL); // its fair share: no idle priority, every CPU
                } catch (RuntimeException e) {
                    log.debug("cannot give the clone its fair share: {}", e.toString());
                    note = "the clone's fair share after the deadline failed (" + e.getMessage() + ")";
                }
                return;
            }
            boolean wantCap = busy > BUSY;
            if (wantCap != capped) {
                try {
                    if (!bg.capCpu(wantCap ? FLOOR : 1.0)) {
                        note = "the engine cannot cap the clone's CPU: it ran at idle priority only";
                        return;
                    }
                    capped = wantCap;
                } catch (RuntimeException e) {
                    log.debug("cannot cap the clone: {}", e.toString());
                    note = "capping the clone failed (" + e.getMessage() + "): it ran at idle priority only";
                    return;
                }
            }
        }
        if (capped) {
            try {
                bg.capCpu(1.0);
            } catch (RuntimeException e) {
                log.debug("cannot lift the clone's cap: {}", e.toString());
            }
        }
    }

    /** Stops governing; the clone's ceiling is lifted (its share goes back to normal before the switch anyway). */
    @Override public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
