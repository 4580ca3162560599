package org.bgreboot.measure;

/**
 * One time base for a whole run, so probes, writes and reboot phases land on one timeline.
 * Monotonic ({@link System#nanoTime()}), never wall-clock: NTP steps must not bend a measurement.
 */
public record RunClock(long originNanos) {

    /** A clock whose zero is now. */
    public static RunClock start() {
        return new RunClock(System.nanoTime());
    }

    /** Milliseconds since the origin, fractional. */
    public double nowMs() {
        return toMs(System.nanoTime());
    }

    /** A {@link System#nanoTime()} reading expressed in this clock's milliseconds. */
    public double toMs(long nanoTime) {
        return (nanoTime - originNanos) / 1_000_000.0;
    }
}
