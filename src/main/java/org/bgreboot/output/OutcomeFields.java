package org.bgreboot.output;

import java.util.Optional;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Step;

/**
 * How a reboot ended, in every output that reports one (written in place, not nested): its kind
 * ({@code switched}, {@code rebooted}, {@code aborted}, {@code cold_booted}, {@code down}), the
 * line for people, and for a cold boot the switch step that failed.
 *
 * @param outcomeReason why it aborted, what made the switch fail (cold_booted), or what to fix (down); empty when it did what was asked
 * @param signal        the signal that asked for an abort, if one did
 */
public record OutcomeFields(Outcome.Kind outcome, String outcomeDetail, Optional<Step> failedStep, Optional<String> outcomeReason,
                            Optional<String> signal) {

    /** No outcome: a reboot that never ran, or a run that threw before it had one (every field null). */
    public static final OutcomeFields NONE = new OutcomeFields(null, null, Optional.empty(), Optional.empty(), Optional.empty());

    public static OutcomeFields of(Outcome o) {
        Optional<Step> failed = Optional.empty();
        Optional<String> reason = Optional.empty();
        Optional<String> signal = Optional.empty();
        if (o instanceof Outcome.Aborted a) {
            reason = Optional.of(a.reason());
            signal = a.signal();
        } else if (o instanceof Outcome.ColdBooted c) {
            failed = Optional.of(c.failedStep());
            reason = Optional.of(c.why());
        } else if (o instanceof Outcome.Down d) {
            reason = Optional.of(d.whatToFix());
        }
        return new OutcomeFields(o.kind(), o.describe(), failed, reason, signal);
    }
}
