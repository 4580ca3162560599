package org.bgreboot.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.UserError;

/**
 * What a watch is told, from its options or its config file: the hosts, how often to ask, when
 * reboots may start, how many at once, the veto and the notifications, where metrics are served.
 *
 * @param measure probe each VM's service and write to it during its reboot (VMs whose spec gives their address)
 * @param json    where each round's report is written, if anywhere
 */
public record WatchSettings(List<String> hosts, Duration interval, Windows windows, int parallel, int maxUnavailable, boolean once,
                            Optional<OperatorCommand> blockCommand, Optional<OperatorCommand> notifyCommand, Optional<String> metricsListen,
                            boolean measure, Optional<Path> json) {
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(10);

    public WatchSettings {
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw new UserError("name the libvirt hosts to watch with --connect URI, one per host (or connect = [...] in the config file)");
        }
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new UserError("--interval " + Durations.text(interval) + " is too short: give 10s or more (each round asks every VM's guest)");
        }
        if (parallel < 1) {
            throw new UserError("--parallel " + parallel + " would reboot nothing: give 1 or more (reboots at once per host)");
        }
        if (maxUnavailable < 1) {
            throw new UserError("--max-unavailable " + maxUnavailable + " would let no VM switch: give 1 or more");
        }
    }
}
