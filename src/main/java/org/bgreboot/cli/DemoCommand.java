package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bgreboot.experiment.Demo;
import org.bgreboot.experiment.ExperimentReport;
import org.bgreboot.experiment.DemoReport;
import org.bgreboot.experiment.Lab;
import org.bgreboot.experiment.FleetDemo;
import org.bgreboot.experiment.FleetDemoReport;
import org.bgreboot.experiment.LibvirtDemo;
import org.bgreboot.experiment.WatchDemo;
import org.bgreboot.experiment.WatchDemoReport;
import org.bgreboot.Teardown;
import org.bgreboot.UserError;
import org.bgreboot.engine.Vm;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.testnet.TestNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Reboot the demo guest into its update by a normal and by a background reboot, side by side.",
                "Builds the demo guest if needed, then applies its v1→v2 update twice from the same starting point: "
                + "once by a normal reboot, once by a background reboot, with an external prober and writer running. "
                + "Prints both side by side; exits non-zero if the new version is not serving, an acknowledged "
                + "write is lost, or FG was stopped before the clone was ready."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON, and the probe timeline as FILE.svg beside it.")
    Path json;

    @Mixin EngineOptions engine;

    @Option(names = "--network", paramLabel = "user|bridge", defaultValue = "user",
            description = "How clients reach the VM: user (QEMU's user networking, a port forward on the host's loopback) or bridge "
                    + "(its own address on a bridge in a test network the demo makes, with the prober and writer in a client network "
                    + "namespace, torn down afterwards). Default: ${DEFAULT-VALUE}.")
    String network;

    @Option(names = "--engine", paramLabel = "embedded|libvirt", defaultValue = "embedded",
            description = "embedded (bgreboot runs QEMU itself) or libvirt (a private libvirt host the demo starts, the demo guest "
                    + "defined there as a domain on a bridge, measured from a client network namespace; torn down afterwards). "
                    + "Default: ${DEFAULT-VALUE}.")
    String engineName;

    @Option(names = "--fleet", arity = "0..1", fallbackValue = "2x3", paramLabel = "HOSTSxVMS",
            description = "The fleet demo instead: HOSTS private libvirt hosts with VMS demo VMs each (default 2x3), the update rolled "
                    + "across all of them with 'bgreboot fleet', a prober and writer on every VM; torn down afterwards.")
    String fleet;

    @Option(names = "--watch", description = "The watch demo instead: a private libvirt host with three VMs, two of which install an update "
            + "themselves and flag a reboot; 'bgreboot watch --once' rolls exactly those two while a real Prometheus server scrapes it; "
            + "then Prometheus's answer, the events given to --notify-command, and the VMs' boot ids. Torn down afterwards.")
    boolean watch;

    @Override public Integer call() {
        App app = new App(engine);
        if (watch) {
            WatchDemoReport r = new WatchDemo(app.home, app.progress).run();
            return showTable(r.table(), r.json(), r.problems());
        }
        if (fleet != null) {
            int[] shape = FleetDemo.shape(fleet);
            FleetDemoReport r = new FleetDemo(app.home, app.progress, System.out).run(shape[0], shape[1], System.console() != null);
            return showTable(r.table(), r.json(), r.problems());
        }
        if (engineName.equals("libvirt")) {
            return libvirt(app);
        }
        if (!engineName.equals("embedded")) {
            throw new UserError("--engine " + engineName + " is unknown: use embedded or libvirt");
        }
        DemoReport report;
        switch (network) {
            case "user" -> {
                Vm vm = app.vm("demo");
                try (Teardown.Registration down = Teardown.onExit("the demo VM", () -> killDemoVm(vm))) {
                    report = new Demo(new Lab(app.progress), app.accel().toString(), "user").run(vm);
                }
            }
            case "bridge" -> {
                try (TestNetwork net = TestNetwork.up(app.home.repo(), "demo", 0)) {
                    VmSpec spec = app.specs().bridged("demo", net.place(0), app.progress);
                    Vm vm = app.engine().vm(spec, app.home.stateDir(spec.name()));
                    try (Teardown.Registration down = Teardown.onExit("the demo VM", () -> killDemoVm(vm))) {
                        report = new Demo(new Lab(app.progress), app.accel().toString(), "bridge").run(vm);
                    }
                }
            }
            default -> throw new UserError("--network " + network + " is unknown: use user or bridge");
        }
        return show(app, report, "demo-timeline.svg");
    }

    /**
     * The demo VM's QEMU processes, killed when the demo is stopped early, and its unfinished
     * reboot forgotten with them: every demo starts the VM afresh from its images.
     */
    private static void killDemoVm(Vm vm) {
        for (org.bgreboot.engine.Instance i : vm.instances()) {
            try (i) {
                i.kill();
            }
        }
        org.bgreboot.state.Durable.deleteTree(vm.stateDir().journal());
    }

    /** The demo on a private libvirt host: the same table and JSON, with what a libvirt VM shows besides. */
    private int libvirt(App app) {
        return show(app, new LibvirtDemo(app.home, app.progress).run(), "demo-libvirt-timeline.svg");
    }

    /** A report without a timeline: the table, the JSON where asked, a line per problem; non-zero on a problem. */
    private int showTable(String table, Record report, java.util.List<String> problems) {
        System.out.println();
        System.out.print(table);
        if (json != null) {
            ResultFiles.writeJson(json, report);
            System.out.println("report: " + json);
        }
        problems.forEach(p -> System.err.println("bgreboot: demo: " + p));
        return problems.isEmpty() ? 0 : BgrebootCommand.EXIT_FAILED;
    }

    /** Prints the table, writes the timeline (beside the JSON, or under results/) and the JSON; non-zero on a problem. */
    private int show(App app, ExperimentReport report, String defaultSvg) {
        System.out.println();
        System.out.print(report.table());
        Path svg = json != null ? ResultFiles.beside(json, ".svg") : app.home.home().resolve("results").resolve(defaultSvg);
        ResultFiles.writeText(svg, report.svg());
        if (json != null) {
            ResultFiles.writeJson(json, report.json());
            System.out.println("figures: " + json);
        }
        System.out.println("probe timeline: " + svg);
        List<String> problems = report.problems();
        problems.forEach(p -> System.err.println("bgreboot: demo: " + p));
        return problems.isEmpty() ? 0 : BgrebootCommand.EXIT_FAILED;
    }
}
