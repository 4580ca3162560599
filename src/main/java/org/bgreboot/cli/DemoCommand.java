package org.bgreboot.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bgreboot.experiment.Demo;
import org.bgreboot.experiment.DemoReport;
import org.bgreboot.experiment.Lab;
import org.bgreboot.engine.Vm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Build the demo guest if needed, then apply its v1→v2 update twice from the same starting point:",
                "once by a normal reboot, once by a background reboot, with an external prober and writer running.",
                "Prints both side by side; exits non-zero if the new version is not serving, an acknowledged",
                "write is lost, or FG was stopped before the clone was ready."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON, and the probe timeline as FILE.svg beside it.")
    Path json;

    @Mixin EngineOptions engine;

    @Override public Integer call() {
        App app = new App(engine);
        Vm vm = app.vm("demo");
        DemoReport report = new Demo(new Lab(app.progress), app.accel().toString()).run(vm);
        System.out.println();
        System.out.print(report.table());
        Path svg = json != null ? ResultFiles.beside(json, ".svg") : app.home.home().resolve("results").resolve("demo-timeline.svg");
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
