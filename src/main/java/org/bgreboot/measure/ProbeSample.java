package org.bgreboot.measure;

/**
 * One probe of the service: when it was sent and answered (RunClock ms), and what came back.
 * {@code ok} means HTTP 200 with a parsable JSON body; version, kernel and bootId are null when absent.
 * {@code httpStatus} is 0 when no status line was received; {@code error} is null on success.
 */
public record ProbeSample(double sentMs, double answeredMs, boolean ok, int httpStatus,
                          String version, String kernel, String bootId, String error) {

    public double latencyMs() {
        return answeredMs - sentMs;
    }

    /** A probe that was not sent because too many earlier ones were still hanging. */
}
