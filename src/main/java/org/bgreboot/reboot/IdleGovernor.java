package org.bgreboot.reboot;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import org.bgreboot.engine.Capability;
import org.bgreboot.engine.CpuCeiling;
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

    private final Instance fg;
    private final Instance bg;
    private final BgShare policy;
    private final long deadlineNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile double cappedWindowsMs;
    private volatile long throttledMicros;
    private volatile boolean throttledUnreadable;
    private volatile boolean deadlineReached;
    private volatile BgShare effective;
    private volatile String note = "";

    private IdleGovernor(BgShare policy, Instance fg, Instance bg, Duration deadline) {
        this.policy = policy;
        this.effective = policy;
        this.fg = fg;
        this.bg = bg;
        this.deadlineNanos = System.nanoTime() + deadline.toNanos();
        this.thread = new Thread(this::govern, "idle-governor");
        this.thread.setDaemon(true);
    }

    /** Starts governing the clone until closed; under another policy it does nothing but report it. */
    static IdleGovernor start(BgShare policy, Instance fg, Instance bg, Duration deadline) {
        IdleGovernor g = new IdleGovernor(policy, fg, bg, deadline);
        if (policy == BgShare.ADAPTIVE) {
            g.thread.start();
        } else {
            g.running = false;
        }
        return g;
    }

    /** What really ran; call after {@link #close}. */
    BgShareReport report() {
        double capped = policy != BgShare.ADAPTIVE ? 0 : throttledUnreadable ? Double.NaN : throttledMicros / 1000.0;
        return new BgShareReport(policy, effective, capped, cappedWindowsMs, deadlineReached, note);
    }

    private void fallBack(String why) {
        effective = BgShare.IDLE;
        note = why;
    }

    private void govern() {
        OptionalLong last = fg.cpu().usedNanos();
        if (last.isEmpty()) {
            fallBack("FG's CPU time cannot be read: the clone ran at idle priority only");
            return;
        }
        Capability<CpuCeiling> ceiling;
        try {
            ceiling = bg.cpu().ceiling();
        } catch (RuntimeException e) {
            ceiling = Capability.absent(e.getMessage());
        }
        if (ceiling.get().isEmpty()) {
            fallBack("the clone's CPU cannot be capped (" + ceiling.why() + "): it ran at idle priority only");
            return;
        }
        CpuCeiling cap = ceiling.get().get();
        long lastAt = System.nanoTime();
        boolean capped = false;
        try {
            while (running) {
                LockSupport.parkNanos(SAMPLE_MS * 1_000_000);
                long now = System.nanoTime();
                OptionalLong cpu = fg.cpu().usedNanos();
                if (cpu.isEmpty()) {
                    break; // FG is gone: the clone is the VM-to-be, let it run
                }
                double busy = (double) (cpu.getAsLong() - last.getAsLong()) / (now - lastAt);
                if (capped) {
                    cappedWindowsMs += (now - lastAt) / 1e6;
                }
                last = cpu;
                lastAt = now;
                if (now >= deadlineNanos) {
                    deadlineReached = true;
                    readThrottled(cap);
                    if (capped) {
                        cap.set(1.0);
                        capped = false;
                    }
                    bg.cpu().share(CpuShare.NORMAL); // its fair share: no idle priority, every CPU
                    return;
                }
                boolean wantCap = busy > BUSY;
                if (wantCap != capped) {
                    cap.set(wantCap ? FLOOR : 1.0);
                    capped = wantCap;
                }
            }
            readThrottled(cap);
            if (capped) {
                cap.set(1.0);
            }
        } catch (RuntimeException e) {
            log.debug("governing the clone failed: {}", e.toString());
            readThrottled(cap);
            if (capped) {
                note = "capping the clone failed midway (" + e.getMessage() + ")";
            } else {
                fallBack("capping the clone failed (" + e.getMessage() + "): it ran at idle priority only");
            }
        }
    }

    /** The host's own count, read while the cgroup still exists (a fair share dissolves it). */
    private void readThrottled(CpuCeiling cap) {
        OptionalLong t = cap.throttledMicros();
        if (t.isPresent()) {
            throttledMicros = t.getAsLong();
        } else {
            throttledUnreadable = true;
            if (note.isEmpty()) {
                String why = cap.whyUncounted();
                note = "the host's own count of the capping is absent" + (why.isEmpty() ? " (its cgroup was gone)" : ": " + why);
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
