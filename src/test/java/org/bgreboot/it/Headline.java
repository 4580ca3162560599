package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.bgreboot.reboot.Outcome;
import org.bgreboot.report.RebootMeasurement;

/**
 * The headline of a background reboot, asserted the same way by every integration test that
 * measures one, against what was measured in the same run: the clone switched; clients lost reads
 * for no longer than the switch's own span (the network moves first, so reads are answered by the
 * clone from then on); writes stopped no longer than the switch and a retry. Both bounds are
 * relative, so a busy host (a slower switch) does not fail them, and a 1-s TCP retry (a packet
 * dropped at the switch) or a write hung on a frozen disk until its client's 1-s timeout does.
 */
final class Headline {
    /**
     * What the prober may miss beyond the switch's span: its own 10-ms period, a request in flight
     * when the network moved, and the scheduling of three processes on two CPUs under TCG. Less
     * than the 1 s a lost SYN costs, by a margin that a switch of up to ~700 ms keeps.
     */
    static final double READ_SLACK_MS = 250;
    /** A write fails fast (503) from the network's move until the attach; then one retry after a 5-ms pause, plus scheduling. */
    static final double WRITE_SLACK_MS = 400;

    private Headline() {}

    /** The reboot switched, lost nothing, and its downtime and longest write gap are bounded by its switch. */
    static void assertSwitched(RebootMeasurement m) {
        assertThat(m.reboot().outcome()).as(m.reboot().outcome().describe()).isInstanceOf(Outcome.Switched.class);
        assertThat(m.reboot().fgStoppedAfterReady()).as("FG stopped only after the clone was ready").isTrue();
        assertThat(m.ledger().missingAcked()).as("acknowledged writes lost").isEmpty();
        assertBounded(m.downtime().downtimeMs(), m.writes().maxAckGapMs(), m.reboot().switchMs());
    }

    /** The same bounds, on figures read from a JSON result. */
    static void assertBounded(double downtimeMs, double writeGapMs, double switchMs) {
        assertThat(switchMs).as("the switch's span was measured").isPositive();
        assertThat(downtimeMs).as("downtime seen by the prober, against the switch's span of %.0f ms", switchMs)
                .isLessThanOrEqualTo(switchMs + READ_SLACK_MS);
        assertThat(writeGapMs).as("longest time without an acknowledged write, against the switch's span of %.0f ms", switchMs)
                .isLessThanOrEqualTo(switchMs + WRITE_SLACK_MS);
    }

    /** Against a normal reboot of the same guest measured in the same test class. */
    static void assertFarBelowNormal(double backgroundDowntimeMs, double normalDowntimeMs) {
        assertThat(normalDowntimeMs).as("the normal reboot's downtime").isGreaterThan(1000);
        assertThat(backgroundDowntimeMs).as("background downtime against a normal reboot's %.0f ms", normalDowntimeMs)
                .isLessThan(normalDowntimeMs * 0.2);
    }
}
