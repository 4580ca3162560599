package org.bgreboot.reboot;

/** A timed step of a phase, e.g. the switch's "attach persistent disk"; times in RunClock ms. */
public record Step(String name, double startMs, double endMs) {
    public double ms() {
        return endMs - startMs;
    }
}
