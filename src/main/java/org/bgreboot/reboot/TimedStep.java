package org.bgreboot.reboot;

/**
 * How long one part of a reboot took; RunClock ms.
 *
 * @param detail what the part acted on, where that varies ("/ /boot" for a freeze); empty otherwise
 */
public record TimedStep(Part part, String detail, double startMs, double endMs) {
    public double ms() {
        return endMs - startMs;
    }

    /** For people: the part's label, and its detail. */
    public String label() {
        return detail.isEmpty() ? part.label() : part.label() + " (" + detail + ")";
    }
}
