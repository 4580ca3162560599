package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.bgreboot.UserError;
import org.bgreboot.fleet.Fleet;
import org.bgreboot.fleet.FleetPlan;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.FleetRequest;
import org.bgreboot.fleet.OnFailure;
import org.bgreboot.fleet.RollStop;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "fleet", mixinStandardHelpOptions = true, subcommands = FleetCommand.Resume.class,
        description = {"Roll background reboots across VMs on libvirt hosts.",
                "Takes one --connect URI per host (e.g. qemu+ssh://root@h1/system). Prints the plan (which VM, which host, "
                + "which wave), then reboots at most --parallel VMs at once per host, hosts in parallel, at most "
                + "--max-unavailable VMs in a switch at once, a clone started only where the host's free memory holds it. "
                + "A failure stops the roll (--on-failure stop) or not (continue); an unreachable host is reported and its VMs skipped. "
                + "The roll is journaled: 'bgreboot fleet resume FILE' continues one that was stopped or killed."})
final class FleetCommand implements Callable<Integer> {
    @Parameters(paramLabel = "VM", arity = "0..*", description = "The VMs to reboot, by name (or a domain's name); or --all.")
    List<String> vms = new ArrayList<>();

    @Option(names = "--all", description = "Every VM bgreboot knows on the hosts (domains whose metadata names a VM and its spec).")
    boolean all;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "N", description = "Background reboots at once per host (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--max-unavailable", defaultValue = "1", paramLabel = "M", description = "VMs in a switch at once across the fleet (default: ${DEFAULT-VALUE}).")
    int maxUnavailable;

    @Option(names = "--on-failure", defaultValue = "stop", paramLabel = "stop|continue",
            description = "After a failed reboot: start nothing new, let reboots in flight finish or abort (stop, the default), or go on.")
    String onFailure;

    @Option(names = "--measure", description = "Probe each VM's service and write to it during its reboot (VMs whose spec gives their address).")
    boolean measure;

    @Option(names = "--dry-run", description = "Print the plan and stop.")
    boolean dryRun;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON.")
    Path json;

    @Option(names = "--metrics-listen", paramLabel = "ADDR:PORT", description = "Serve Prometheus metrics at http://ADDR:PORT/metrics "
            + "during the roll (the same as 'watch' serves).")
    String metricsListen;

    @Override public Integer call() {
        App app = new App(null);
        List<String> hosts = EngineOptions.connections();
        if (hosts.isEmpty()) {
            throw new UserError("name the libvirt hosts with --connect URI, one per host (e.g. --connect qemu+ssh://root@host1/system)");
        }
        FleetRequest r = new FleetRequest(hosts, vms, all, parallel, maxUnavailable, OnFailure.parse(onFailure), measure);
        Fleet fleet = new Fleet(app.home, System.out, app.progress, System.console() != null);
        if (dryRun) {
            FleetPlan plan = fleet.plan(r);
            System.out.print(plan.text());
            return 0;
        }
        try (RollMetricsServer metrics = RollMetricsServer.start(metricsListen);
             HostLeaseGuard lease = HostLeaseGuard.take(hosts, "fleet roll")) {
            RollStop stop = new RollStop();
            try (Signals signals = Signals.duringRoll(stop, "the roll", () -> resumeHint(stop))) {
                return report(fleet.roll(r, metrics.hooks(stop)), json, stop);
            }
        }
    }

    static String resumeHint(RollStop stop) {
        return stop.journal().map(j -> "run 'bgreboot fleet resume " + j + "' (it recovers the VMs caught mid-reboot first)")
                .orElse("no VM had started: run the roll again");
    }

    /** The report, and with a stop by a signal one line saying what was left and what to run, and the shell's status for it. */
    static int report(FleetReport report, Path json, RollStop stop) {
        if (stop.requested().isEmpty()) {
            return report(report, json);
        }
        System.out.println();
        System.out.print(report.table());
        if (json != null) {
            ResultFiles.writeJson(json, report.json(report.problems()));
        }
        long done = report.vms().stream().filter(p -> p.state() == org.bgreboot.fleet.VmProgress.State.SWITCHED).count();
        long left = report.vms().stream().filter(p -> p.state() == org.bgreboot.fleet.VmProgress.State.PENDING).count();
        String sig = stop.requested().get();
        System.err.println("bgreboot: fleet: stopped by " + sig + ": " + done + " of " + report.vms().size() + " VMs switched, " + left
                + " not rebooted (each serves unchanged); the journal is kept: bgreboot fleet resume " + report.journal());
        return sig.equals("SIGTERM") ? ExitCode.TERMINATED.code : ExitCode.INTERRUPTED.code;
    }

    static int report(FleetReport report, Path json) {
        System.out.println();
        System.out.print(report.table());
        if (json != null) {
            ResultFiles.writeJson(json, report.json(report.problems()));
            System.out.println("report: " + json);
        }
        List<String> problems = report.problems();
        problems.forEach(p -> System.err.println("bgreboot: fleet: " + p));
        return problems.isEmpty() ? 0 : BgrebootCommand.EXIT_FAILED;
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Continue a roll that was stopped or killed, from its journal: VMs caught mid-reboot are recovered first.")
    static final class Resume implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The roll's journal (printed when it began; under BGREBOOT_HOME/fleet).")
        Path file;

        @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON.")
        Path json;

        @Option(names = "--metrics-listen", paramLabel = "ADDR:PORT", description = "Serve Prometheus metrics at http://ADDR:PORT/metrics during the roll.")
        String metricsListen;

        @Override public Integer call() {
            App app = new App(null);
            try (RollMetricsServer metrics = RollMetricsServer.start(metricsListen)) {
                RollStop stop = new RollStop();
                try (Signals signals = Signals.duringRoll(stop, "the roll", () -> resumeHint(stop))) {
                    return report(new Fleet(app.home, System.out, app.progress, System.console() != null).resume(file, metrics.hooks(stop)), json, stop);
                }
            }
        }
    }
}
