package org.bgreboot.experiment.bench;

import java.util.Optional;

/**
 * One throughput window on FG: requests answered and failed over the seconds measured.
 *
 * @param seconds  the time actually measured (with a clone, at most its boot: it may boot faster than the window)
 * @param bgPolicy the clone's CPU scheduling policy as seen while it booted (SCHED_IDLE...), to show the case is what it says
 */
public record InterferenceCase(Kind kind, long ok, long failures, double seconds, Optional<String> bgPolicy, Optional<String> failure) {

    public enum Kind {
        NO_BG("no BG"),
        BG_IDLE("BG booting at idle priority"),
        BG_NORMAL("BG booting at normal priority");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public static InterferenceCase failed(Kind kind, String reason) {
        return new InterferenceCase(kind, 0, 0, 0, Optional.empty(), Optional.of(reason));
    }

    /** Answered requests per second; NaN when nothing was measured. */
    public double requestsPerSecond() {
        return seconds > 0 && failure.isEmpty() ? ok / seconds : Double.NaN;
    }
}
