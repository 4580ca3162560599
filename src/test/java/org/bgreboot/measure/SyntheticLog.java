package org.bgreboot.measure;

import java.util.ArrayList;
import java.util.List;

/** Builds probe logs by hand: a probe every 10 ms, good answers in 2 ms. */
public final class SyntheticLog {

    private final List<ProbeSample> samples = new ArrayList<>();

    /** Good answers from version/boot for probes sent at from, from+10, ... < to. */
    public SyntheticLog good(double from, double to, String version, String bootId) {
        for (double t = from; t < to; t += 10) samples.add(answer(t, 2, version, bootId));
        return this;
    }

    /** Refused connections for probes sent in [from, to). */
    public SyntheticLog refused(double from, double to) {
        for (double t = from; t < to; t += 10) {
            samples.add(new ProbeSample(t, t + 0.1, false, 0, null, null, null, "ConnectException: Connection refused"));
        }
        return this;
    }

    public SyntheticLog add(ProbeSample s) {
        samples.add(s);
        return this;
    }

    public static ProbeSample answer(double sent, double latency, String version, String bootId) {
        return new ProbeSample(sent, sent + latency, true, 200, version, "kernel-" + version, bootId, null);
    }

    public ProbeLog log() {
        return new ProbeLog(samples);
    }
}
