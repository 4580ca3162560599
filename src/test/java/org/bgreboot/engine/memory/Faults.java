package org.bgreboot.engine.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bgreboot.FaultPoint;

/**
 * A test's hand on bgreboot's fault points in this JVM ({@link FaultPoint#inject}): a process
 * killed at a point (once: the next process passing it lives on), an operation refused there, or
 * anything else done there; and every point reached, in order.
 */
public final class Faults implements FaultPoint.Injector, AutoCloseable {
    private final List<String> reached = new ArrayList<>();
    private final Map<String, Runnable> once = new ConcurrentHashMap<>();
    private final Map<String, Integer> refusals = new ConcurrentHashMap<>();
    private final Map<String, Runnable> every = new ConcurrentHashMap<>();
    private int crashAtNth = -1;
    private BgrebootProcess nthVictim;
    private String killedAt;

    private Faults() {}

    private Thread.UncaughtExceptionHandler before;

    /** Also quiets the threads of a killed process (the idle governor) that die of its death: that is how they should end. */
    public static Faults install() {
        Faults f = new Faults();
        f.before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (!(e instanceof Killed)) {
                if (f.before != null) {
                    f.before.uncaughtException(t, e);
                } else {
                    t.getThreadGroup().uncaughtException(t, e);
                }
            }
        });
        FaultPoint.inject(f);
        return f;
    }

    @Override public void reach(String point) {
        int n;
        synchronized (this) {
            reached.add(point);
            n = reached.size();
        }
        Integer refuse = refusals.computeIfPresent(point, (p, left) -> left - 1);
        if (refuse != null && refuse >= 0) {
            throw new IllegalStateException("refused (fault injected at " + point + ")");
        }
        Runnable r = once.remove(point);
        if (r != null) {
            r.run();
        }
        Runnable e = every.get(point);
        if (e != null) {
            e.run();
        }
        BgrebootProcess victim;
        synchronized (this) {
            victim = n == crashAtNth ? nthVictim : null;
        }
        if (victim != null) {
            die(victim, point);
        }
    }

    private void die(BgrebootProcess p, String point) {
        synchronized (this) {
            killedAt = point;
        }
        p.kill();
        throw new Killed("at " + point);
    }

    /** {@code p} dies the first time a point called so is reached. */
    public Faults crashAt(String point, BgrebootProcess p) {
        once.put(point, () -> die(p, point));
        return this;
    }

    /** {@code p} dies at the {@code n}-th point reached from now on (1: the first). */
    public synchronized Faults crashAtNth(int n, BgrebootProcess p) {
        crashAtNth = reached.size() + n;
        nthVictim = p;
        killedAt = null;
        return this;
    }

    /** The operation at {@code point} is refused the next {@code times} times it is reached. */
    public Faults failAt(String point, int times) {
        refusals.put(point, times);
        return this;
    }

    /** Does {@code r} the first time {@code point} is reached (before the point's own fault, if any). */
    public Faults at(String point, Runnable r) {
        once.merge(point, r, (a, b) -> () -> {
            a.run();
            b.run();
        });
        return this;
    }

    /** Does {@code r} every time {@code point} is reached, in the thread that reaches it. */
    public Faults on(String point, Runnable r) {
        every.merge(point, r, (a, b) -> () -> {
            a.run();
            b.run();
        });
        return this;
    }

    /** Where the last kill happened; null when none has since {@link #crashAtNth}. */
    public synchronized String killedAt() {
        return killedAt;
    }

    public synchronized List<String> reached() {
        return List.copyOf(reached);
    }

    /** Forgets every fault still armed. */
    public synchronized void disarm() {
        once.clear();
        every.clear();
        refusals.clear();
        crashAtNth = -1;
        nthVictim = null;
    }

    @Override public void close() {
        disarm();
        FaultPoint.inject(null);
        Thread.setDefaultUncaughtExceptionHandler(before);
    }
}
