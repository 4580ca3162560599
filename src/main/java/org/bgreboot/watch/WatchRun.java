package org.bgreboot.watch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.fleet.RollStop;

/**
 * A running watch and what it holds open: its metrics endpoint, its hosts' connections, its
 * leases and its notifier, started in the order a mistake is best found (the metrics address, then
 * every host) and closed in reverse. With {@code --once} and metrics, the last round's figures are
 * served until a scraper has read them (at most {@value #LINGER_S} s): a one-shot run is otherwise
 * gone before Prometheus comes by.
 */
public final class WatchRun implements AutoCloseable {
    static final long LINGER_S = 60;

    private final WatchSettings settings;
    private final Optional<RebootMetrics> metrics;
    private final Optional<MetricsEndpoint> endpoint;
    private final WatchedHosts hosts;
    private final LeaseLocks locks;
    private final Notifier notifier;
    private final Watch watch;
    private final Progress log;
    private final RollStop stop;

    private WatchRun(WatchSettings settings, Optional<RebootMetrics> metrics, Optional<MetricsEndpoint> endpoint, WatchedHosts hosts,
                     LeaseLocks locks, Notifier notifier, Watch watch, Progress log, RollStop stop) {
        this.stop = stop;
        this.settings = settings;
        this.metrics = metrics;
        this.endpoint = endpoint;
        this.hosts = hosts;
        this.locks = locks;
        this.notifier = notifier;
        this.watch = watch;
        this.log = log;
    }

    public static WatchRun start(WatchSettings s, Home home, Progress log, RollStop stop) {
        Optional<RebootMetrics> metrics = s.metricsListen().map(l -> new RebootMetrics());
        Optional<MetricsEndpoint> endpoint = s.metricsListen().map(l -> MetricsEndpoint.serve(l, metrics.get()));
        WatchedHosts hosts;
        try {
            hosts = WatchedHosts.connect(s.hosts(), log);
        } catch (RuntimeException e) {
            endpoint.ifPresent(MetricsEndpoint::close);
            throw e;
        }
        endpoint.ifPresent(ep -> log.step("metrics at http://" + ep.address() + "/metrics"));
        Clock clock = Clock.systemDefaultZone();
        LeaseLocks locks = new LeaseLocks("watch", hosts::engine, clock, log);
        Notifier notifier = new Notifier(s.notifyCommand(), log);
        Watch watch = new Watch(s, hosts.names(), new GuestSentinel(hosts, home), locks, new FleetRoller(home, System.out, log), new Holds(home),
                new RollRecord(home.home().resolve("watch"), hosts.names()), notifier, metrics, clock, log, stop, Watch::hostsOf);
        return new WatchRun(s, metrics, endpoint, hosts, locks, notifier, watch, log, stop);
    }

    /** Rounds until stopped (or one with --once); the exit status. */
    public int loop(Consumer<RoundReport> each) {
        int status = watch.run(each);
        if (settings.once() && endpoint.isPresent() && stop.requested().isEmpty()) {
            Instant done = Instant.now();
            log.step("serving the last round's metrics until a scraper has read them (at most " + LINGER_S + " s)");
            if (!endpoint.get().awaitScrapeAfter(done, Duration.ofSeconds(LINGER_S))) {
                log.step("no scraper read the metrics within " + LINGER_S + " s");
            }
        }
        return status;
    }

    @Override public void close() {
        locks.close();
        notifier.close();
        hosts.close();
        endpoint.ifPresent(MetricsEndpoint::close);
    }
}
