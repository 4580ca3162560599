package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bgreboot.UserError;
import org.bgreboot.experiment.Lab;
import org.bgreboot.experiment.soak.Soak;
import org.bgreboot.experiment.soak.SoakReport;
import org.bgreboot.engine.Vm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {"Reboot a VM in the background many times in a row, and report what was lost or leaked.",
                "Starts the VM fresh (like demo: stopped if it runs, system-disk overlays reset to the spec's images; "
                + "the persistent disk is kept), then reboots it in the background COUNT times in a row with a prober and a "
                + "writer running throughout. Reports writes acknowledged and lost, the backing chain's depth, downtime "
                + "min/median/max over the reboots that switched, and leaks (QEMU processes, sockets, leftovers, bgreboot's own "
                + "fds, threads and heap), and stops the VM. A cold boot after a failed switch is reported as one, never counted "
                + "as a background reboot. Exits 1 if a write was lost, the chain grew deeper than 3, a reboot aborted or fell "
                + "back to a cold boot, or something leaked."})
final class SoakCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "VM", defaultValue = "demo",
            description = "A VM name or spec file (default: the built-in demo guest).")
    String ref;

    @Option(names = "--count", paramLabel = "N", defaultValue = "20", description = "Background reboots in a row (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @Mixin EngineOptions engine;

    @Override public Integer call() {
        if (count < 1) {
            throw new UserError("--count " + count + " is not a number of reboots: use 1 or more");
        }
        App app = new App(engine);
        Vm vm = app.vm(ref);
        SoakReport report = new Soak(new Lab(app.progress), count, app.accel().toString()).run(vm);
        System.out.println();
        System.out.print(report.table());
        if (json != null) {
            ResultFiles.writeJson(json, report.json());
            System.out.println("figures: " + json);
        }
        return exit(report.problems());
    }

    /** Each problem on a line of its own, and the exit status: a soak with a problem (a reboot that aborted or fell back...) failed. */
    static int exit(List<String> problems) {
        problems.forEach(p -> System.err.println("bgreboot: soak: " + p));
        return problems.isEmpty() ? ExitCode.OK.code : ExitCode.FAILED.code;
    }
}
