package org.bgreboot.cli;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.fleet.RollGate;
import org.bgreboot.fleet.RollHooks;
import org.bgreboot.fleet.RollStop;
import org.bgreboot.watch.MetricsEndpoint;
import org.bgreboot.watch.Notifier;
import org.bgreboot.watch.RebootMetrics;
import org.bgreboot.watch.RollObserver;

/** {@code fleet --metrics-listen}: the watch's metrics of a roll (reboots by outcome, in progress, downtime, clone boot...), served while it runs. */
final class RollMetricsServer implements AutoCloseable {
    private final Optional<RebootMetrics> metrics;
    private final Optional<MetricsEndpoint> endpoint;

    private RollMetricsServer(Optional<RebootMetrics> metrics, Optional<MetricsEndpoint> endpoint) {
        this.metrics = metrics;
        this.endpoint = endpoint;
    }

    static RollMetricsServer start(String listen) {
        Optional<RebootMetrics> m = Optional.ofNullable(listen).map(l -> new RebootMetrics());
        Optional<MetricsEndpoint> e = Optional.ofNullable(listen).map(l -> MetricsEndpoint.serve(l, m.get()));
        e.ifPresent(ep -> System.err.println("bgreboot: metrics at http://" + ep.address() + "/metrics"));
        return new RollMetricsServer(m, e);
    }

    RollHooks hooks(RollStop stop) {
        return new RollHooks(RollGate.OPEN, stop, new RollObserver(metrics, new Notifier(Optional.empty(), Progress.SILENT), Optional.empty(),
                Map.of(), Clock.systemUTC(), Progress.SILENT));
    }

    @Override public void close() {
        endpoint.ifPresent(MetricsEndpoint::close);
    }
}
