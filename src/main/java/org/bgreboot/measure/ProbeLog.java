package org.bgreboot.measure;

import java.util.Comparator;
import java.util.List;

/** Every probe sample of a run, sorted by the time it was sent. */
public record ProbeLog(List<ProbeSample> samples) {

    public ProbeLog {
        samples = samples.stream().sorted(Comparator.comparingDouble(ProbeSample::sentMs)).toList();
    }

    public List<ProbeSample> good() {
        return samples.stream().filter(ProbeSample::ok).toList();
    }

    /** Whether the last probe sent failed: the log ends inside an outage. */
    public boolean endsInFailure() {
        return !samples.isEmpty() && !samples.get(samples.size() - 1).ok();
    }

    public List<ProbeSample> failures() {
        return samples.stream().filter(s -> !s.ok()).toList();
    }
}
