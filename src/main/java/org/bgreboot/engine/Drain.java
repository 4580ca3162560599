package org.bgreboot.engine;

import java.util.OptionalLong;
import java.util.function.Supplier;
import org.bgreboot.Sleep;

/**
 * An instance's drain before its kill ({@link Instance#drain}): it has answered what it had
 * accepted once it has sent nothing for {@link #QUIET_MS}; at most {@link #MAX_MS}. Twenty, not
 * ten: on a busy host a guest's vCPU pauses longer than 10 ms mid-answer (measured on libvirt: one
 * answer in nine was still cut off with 10 ms).
 */
public final class Drain {
    public static final long QUIET_MS = 20;
    public static final long MAX_MS = 300;

    private Drain() {}

    /** @param sent what the instance has sent so far; empty when that cannot be seen (nothing to wait for) */
    public static long untilQuiet(Supplier<OptionalLong> sent) {
        long start = System.nanoTime();
        OptionalLong last = sent.get();
        if (last.isEmpty()) {
            return 0;
        }
        long quietSince = start;
        while (elapsedMs(start) < MAX_MS) {
            Sleep.ms(2);
            OptionalLong now = sent.get();
            if (now.isEmpty()) {
                break; // gone
            }
            if (now.getAsLong() != last.getAsLong()) {
                last = now;
                quietSince = System.nanoTime();
            } else if (elapsedMs(quietSince) >= QUIET_MS) {
                break;
            }
        }
        return elapsedMs(start);
    }

    private static long elapsedMs(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
