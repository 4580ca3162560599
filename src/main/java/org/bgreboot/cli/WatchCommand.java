package org.bgreboot.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bgreboot.Progress;
import org.bgreboot.fleet.RollStop;
import org.bgreboot.watch.Durations;
import org.bgreboot.watch.FleetRoller;
import org.bgreboot.watch.Holds;
import org.bgreboot.watch.MetricsEndpoint;
import org.bgreboot.watch.Notifier;
import org.bgreboot.watch.OperatorCommand;
import org.bgreboot.watch.RebootMetrics;
import org.bgreboot.watch.RollRecord;
import org.bgreboot.watch.Watch;
import org.bgreboot.watch.WatchConfig;
import org.bgreboot.watch.WatchRun;
import org.bgreboot.watch.WatchSettings;
import org.bgreboot.watch.Windows;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Reboot every VM that needs it, unattended, in the background inside maintenance windows.",
                "Every --interval, ask each VM bgreboot knows on the hosts whether it needs a reboot (its guest, through its agent), "
                + "and roll those that do in the background, as 'fleet' does, inside the maintenance windows, one watch per host at "
                + "a time (a lease kept by the host), past --block-command.",
                "A VM whose reboot aborted or fell back is not retried until its update changes. SIGTERM or SIGINT: reboots before "
                        + "their point of no return abort, those past it complete, then watch exits 0; the next watch resumes the roll."})
final class WatchCommand implements Callable<Integer> {
    @Option(names = "--interval", paramLabel = "DURATION", description = "How often to ask the VMs (default 10m; 10s at least): 30s, 10m, 1h.")
    String interval;

    @Option(names = "--window", paramLabel = "SPEC", description = "When reboots may start, in this host's time zone, e.g. 'Mon-Fri 02:00-05:00'; "
            + "several allowed; '22:00-02:00' runs over midnight. Default: any time. A reboot under way when a window closes finishes.")
    List<String> windows = new ArrayList<>();

    @Option(names = "--parallel", paramLabel = "N", description = "Background reboots at once per host (default 1).")
    Integer parallel;

    @Option(names = "--max-unavailable", paramLabel = "M", description = "VMs in a switch at once across all hosts (default 1).")
    Integer maxUnavailable;

    @Option(names = "--once", description = "One round, then exit (0; 1 when a reboot of it did not switch).")
    boolean once;

    @Option(names = "--block-command", paramLabel = "CMD", description = "Run (by /bin/sh) before each wave; a non-zero exit means not now "
            + "(blocked: the wave's VMs wait for a later round), e.g. a check for firing alerts.")
    String blockCommand;

    @Option(names = "--notify-command", paramLabel = "CMD", description = "Run (by /bin/sh) once per event with the event as one line of JSON on "
            + "its standard input: start, switched, rebooted, aborted, cold_booted, down, failed, blocked.")
    String notifyCommand;

    @Option(names = "--metrics-listen", paramLabel = "ADDR:PORT", description = "Serve Prometheus metrics at http://ADDR:PORT/metrics.")
    String metricsListen;

    @Option(names = "--measure", description = "Probe each VM's service and write to it during its reboot (VMs whose spec gives their address): "
            + "downtime as clients saw it, and lost writes.")
    boolean measure;

    @Option(names = "--json", paramLabel = "FILE", description = "Write each round's report (what each VM said, what was rolled) as JSON.")
    Path json;

    @Option(names = "--config", paramLabel = "FILE", description = "Read the options from a TOML file (/etc/bgreboot/watch.toml): keys "
            + "connect, interval, window, parallel, max_unavailable, block_command, notify_command, metrics_listen, measure; "
            + "the command line wins.")
    Path config;

    @Override public Integer call() {
        App app = new App(null);
        Progress log = timestamped();
        WatchConfig file = config == null ? WatchConfig.none() : WatchConfig.read(config);
        List<String> hosts = EngineOptions.connections().isEmpty() ? file.connect() : EngineOptions.connections();
        Duration every = Durations.parse("--interval", WatchConfig.or(Optional.ofNullable(interval), file.interval(), "10m"));
        Windows when = Windows.parse(windows.isEmpty() ? file.window() : windows, ZoneId.systemDefault());
        Optional<OperatorCommand> block = Optional.ofNullable(blockCommand).or(file::blockCommand).map(c -> OperatorCommand.of("--block-command", c));
        Optional<OperatorCommand> notify = Optional.ofNullable(notifyCommand).or(file::notifyCommand).map(c -> OperatorCommand.of("--notify-command", c));
        WatchSettings s = new WatchSettings(hosts, every, when, WatchConfig.or(Optional.ofNullable(parallel), file.parallel(), 1),
                WatchConfig.or(Optional.ofNullable(maxUnavailable), file.maxUnavailable(), 1), once, block, notify,
                Optional.ofNullable(metricsListen).or(file::metricsListen), measure || file.measure().orElse(false), Optional.ofNullable(json));
        RollStop stop = new RollStop();
        try (WatchRun run = WatchRun.start(s, app.home, log, stop);
             Signals signals = Signals.duringRoll(stop, "watch", () -> "start 'bgreboot watch' again: it resumes its roll (VMs caught mid-reboot "
                     + "are recovered from their journals first)" + stop.journal().map(j -> ", or run 'bgreboot fleet resume " + j + "'").orElse(""))) {
            return run.loop(json == null ? r -> { } : r -> ResultFiles.writeJson(json, r.json()));
        }
    }

    /** Log lines with the wall-clock time: watch runs for days. */
    private static Progress timestamped() {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
        return text -> {
            System.err.println("[" + f.format(Instant.now()) + "] " + text);
            System.err.flush();
        };
    }
}
