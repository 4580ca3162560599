package org.bgreboot.experiment.bench;

import java.util.Optional;
import org.bgreboot.reboot.BgShare;

/**
 * One throughput window on FG: requests answered and failed over the seconds measured.
 *
 * @param seconds  the time actually measured (with a clone, at most its boot: it may boot faster than the window)
 * @param bgPolicy the clone's CPU scheduling policy as seen while it booted (SCHED_IDLE...), to show the case is what it says
 * @param bootMs   the clone's boot to ready, NaN without a clone
 * @param bgReadMiB what the clone read from storage (not the page cache) while it booted, NaN where unknown
 * @param cappedMs how long the host held the clone back, by the cgroup's counters (NaN where unreadable)
 * @param bgShareEffective the share the clone really had (adaptive falls back to idle where it cannot be capped)
 */
public record InterferenceCase(Kind kind, long ok, long failures, double seconds, Optional<String> bgPolicy, Optional<String> failure,
                               double bootMs, double bgReadMiB, double cappedMs, Optional<BgShare> bgShareEffective) {

    public enum Kind {
        NO_BG("no BG", null),
        BG_IDLE("BG booting at idle priority", BgShare.IDLE),
        BG_ADAPTIVE("BG booting adaptively (capped while FG is busy)", BgShare.ADAPTIVE),
        BG_NORMAL("BG booting at normal priority", BgShare.NORMAL);

        private final String label;
        private final BgShare share;

        Kind(String label, BgShare share) {
            this.label = label;
            this.share = share;
        }

        public String label() {
            return label;
        }

        /** The clone's share in this case; null for no clone. */
        public BgShare share() {
            return share;
        }
    }

    public static InterferenceCase failed(Kind kind, String reason) {
        return new InterferenceCase(kind, 0, 0, 0, Optional.empty(), Optional.of(reason), Double.NaN, Double.NaN, Double.NaN, Optional.empty());
    }

    InterferenceCase withBoot(double ms, double readMiB, double capped, Optional<BgShare> effective) {
        return new InterferenceCase(kind, ok, failures, seconds, bgPolicy, failure, ms, readMiB, capped, effective);
    }

    /** Answered requests per second; NaN when nothing was measured. */
    public double requestsPerSecond() {
        return seconds > 0 && failure.isEmpty() ? ok / seconds : Double.NaN;
    }
}
