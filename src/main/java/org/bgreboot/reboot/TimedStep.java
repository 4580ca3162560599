package org.bgreboot.reboot;

/** How long one part of a step took, e.g. the switch's "plug persistent disk into BG"; RunClock ms. */
public record TimedStep(String name, double startMs, double endMs) {
    public double ms() {
        return endMs - startMs;
    }
}
