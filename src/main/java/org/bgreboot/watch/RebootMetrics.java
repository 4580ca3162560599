package org.bgreboot.watch;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What watch and a fleet roll tell Prometheus, with Prometheus' own Java client: every metric is
 * named here once, with its help text. Outcomes are {@link org.bgreboot.reboot.Outcome.Kind}'s
 * values; {@code host} is the libvirt URI the VM was reached by.
 */
public final class RebootMetrics {
    /** How a background reboot's downtime was known, the {@code source} label of the downtime histogram. */
    public enum DowntimeSource {
        /** An outside prober's longest time without an answer (the reboot was measured: {@code --measure}). */
        PROBER,
        /** The switch's own span, from the network's move to the attach: an upper bound of what clients saw. */
        SWITCH;

        String label() {
            return name().toLowerCase();
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<String, String> holders = new ConcurrentHashMap<>();
    private volatile Instant lastScrape = Instant.EPOCH;

    final Gauge required = Gauge.builder().name("bgreboot_reboot_required")
            .help("1 when the VM's guest says it needs a reboot (/run/reboot-required, a newer kernel to boot, needs-reboot.d), as watch last asked")
            .labelNames("host", "vm").register(registry);
    final Gauge held = Gauge.builder().name("bgreboot_reboot_held")
            .help("1 when watch does not retry the VM's reboot until its update changes: its last reboot into this update ended as 'outcome'")
            .labelNames("host", "vm", "outcome").register(registry);
    final Gauge inProgress = Gauge.builder().name("bgreboot_reboots_in_progress")
            .help("Background reboots running now (from the start of PREPARE to the outcome)")
            .labelNames("host").register(registry);
    final Counter reboots = Counter.builder().name("bgreboot_reboots")
            .help("Reboots ended, by outcome: switched, rebooted, aborted, cold_booted, down")
            .labelNames("host", "outcome").register(registry);
    final Histogram downtime = Histogram.builder().name("bgreboot_background_downtime_seconds")
            .help("Downtime of each switched background reboot, in seconds: source=\"prober\" is the longest time an outside prober got "
                    + "no answer (the reboot was measured), source=\"switch\" the switch's own span from the network's move to the attach "
                    + "(not measured: an upper bound of what clients saw)")
            .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .classicOnly().classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
            .labelNames("host", "source").register(registry);
    final Histogram cloneBoot = Histogram.builder().name("bgreboot_clone_boot_seconds")
            .help("Time from the clone's launch until every readiness check passed, in seconds")
            .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .classicOnly().classicUpperBounds(1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600)
            .labelNames("host").register(registry);
    final Gauge lastSuccess = Gauge.builder().name("bgreboot_last_successful_reboot_timestamp_seconds")
            .help("When the VM's last reboot that switched (or rebooted in place) ended, Unix time")
            .labelNames("host", "vm").register(registry);
    final Gauge blocked = Gauge.builder().name("bgreboot_watch_blocked")
            .help("1 while --block-command says not now for the host (its last run before a wave exited non-zero)")
            .labelNames("host").register(registry);
    final Counter blockedTotal = Counter.builder().name("bgreboot_watch_vetoes")
            .help("Waves held back by --block-command (a non-zero exit before the wave)")
            .labelNames("host").register(registry);
    final Gauge lockHolder = Gauge.builder().name("bgreboot_watch_lock_holder")
            .help("1 for whoever holds the host's lease (a watch rolling its VMs, or a manual reboot); no series when nobody does")
            .labelNames("host", "holder").register(registry);
    final Gauge hostUp = Gauge.builder().name("bgreboot_watch_host_up")
            .help("1 when the libvirt host answered watch's last round, 0 when it did not (the next round tries again)")
            .labelNames("host").register(registry);
    final Gauge lastRound = Gauge.builder().name("bgreboot_watch_last_round_timestamp_seconds")
            .help("When watch's last round ended, Unix time").register(registry);
    final Gauge windowOpen = Gauge.builder().name("bgreboot_watch_window_open")
            .help("1 when a maintenance window is open (or none is set), as watch last looked").register(registry);

    public RebootMetrics() {
        GaugeWithCallback.builder().name("bgreboot_up").help("1 while bgreboot serves these metrics")
                .callback(cb -> {
                    lastScrape = Instant.now();
                    cb.call(1);
                }).register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** When a scraper last read these metrics. */
    public Instant lastScrape() {
        return lastScrape;
    }

    public void required(String host, String vm, boolean needed) {
        required.labelValues(host, vm).set(needed ? 1 : 0);
    }

    public void held(String host, String vm, Optional<HeldReboot> h) {
        held.removeIf(l -> l.get(0).equals(host) && l.get(1).equals(vm));
        h.ifPresent(x -> held.labelValues(host, vm, x.outcome()).set(1));
    }

    public void started(String host) {
        inProgress.labelValues(host).inc();
    }

    public void ended(String host, String vm, String outcome, Instant at) {
        inProgress.labelValues(host).dec();
        reboots.labelValues(host, outcome).inc();
        if (outcome.equals("switched") || outcome.equals("rebooted")) {
            lastSuccess.labelValues(host, vm).set(at.toEpochMilli() / 1000.0);
        }
    }

    public void downtime(String host, DowntimeSource source, double seconds) {
        downtime.labelValues(host, source.label()).observe(seconds);
    }

    public void cloneBoot(String host, double seconds) {
        cloneBoot.labelValues(host).observe(seconds);
    }

    public void blocked(String host, boolean now) {
        blocked.labelValues(host).set(now ? 1 : 0);
        if (now) {
            blockedTotal.labelValues(host).inc();
        }
    }

    /** The host's lease holder now; empty: nobody. */
    public void lockHolder(String host, Optional<String> holder) {
        String before = holder.isPresent() ? holders.put(host, holder.get()) : holders.remove(host);
        if (before != null && !holder.equals(Optional.of(before))) {
            lockHolder.remove(host, before);
        }
        holder.ifPresent(h -> lockHolder.labelValues(host, h).set(1));
    }

    public void hostUp(String host, boolean up) {
        hostUp.labelValues(host).set(up ? 1 : 0);
    }

    public void round(Instant endedAt, boolean windowIsOpen) {
        lastRound.set(endedAt.toEpochMilli() / 1000.0);
        windowOpen.set(windowIsOpen ? 1 : 0);
    }
}
