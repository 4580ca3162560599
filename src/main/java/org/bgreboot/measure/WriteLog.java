package org.bgreboot.measure;

import java.util.List;

/** What an {@link AppendWriter} saw: every acknowledged sequence number and every failed attempt, in order. */
public record WriteLog(List<Ack> acks, List<WriteFailure> failures) {

    public WriteLog {
        acks = List.copyOf(acks);
        failures = List.copyOf(failures);
    }

    public List<Long> ackedSeqs() {
        return acks.stream().map(Ack::seq).toList();
    }

    /** The longest time between consecutive acknowledgements: how long writes were unavailable. */
    public double maxAckGapMs() {
        double max = 0;
        for (int i = 1; i < acks.size(); i++) max = Math.max(max, acks.get(i).atMs() - acks.get(i - 1).atMs());
        return max;
    }
}
