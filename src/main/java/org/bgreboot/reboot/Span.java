package org.bgreboot.reboot;

/** The spans of a reboot that results are made of; each is timed once, and figures are derived from them. */
public enum Span {
    /** FG disturbed by the clone: freeze to thaw. */
    FG_PAUSE("clone"),
    /** The clone launched until every readiness check passed. */
    BG_BOOT("bg boot"),
    /** FG stopped for good: an instant, which must come after BG_BOOT's end. */
    FG_STOPPED("fg stopped"),
    /** Release until the new VM has its network and its persistent disk mounted: the only downtime. */
    SWITCH("switch"),
    /** The old layer streamed out of the new chain. */
    STREAM("stream"),
    /** An in-place reboot: from the request until the VM is ready again. */
    IN_PLACE("reboot");

    private final String label;

    Span(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** When a span began and ended, RunClock ms. */
    public record Interval(double startMs, double endMs) {
        public double ms() {
            return endMs - startMs;
        }
    }
}
