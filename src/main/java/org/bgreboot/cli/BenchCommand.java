package org.bgreboot.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bgreboot.UserError;
import org.bgreboot.experiment.bench.Bench;
import org.bgreboot.experiment.bench.BenchCharts;
import org.bgreboot.experiment.bench.BenchJson;
import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchPlan;
import org.bgreboot.experiment.bench.BenchResult;
import org.bgreboot.experiment.bench.BenchTable;
import org.bgreboot.experiment.Lab;
import org.bgreboot.experiment.postgres.KeepBench;
import org.bgreboot.experiment.postgres.KeepBenchOutcome;
import org.bgreboot.experiment.postgres.PostgresBench;
import org.bgreboot.experiment.postgres.PostgresOutcome;
import org.bgreboot.spec.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure every reboot method at every memory size, and a clone's cost to the VM, like the paper.",
                "Reboots each guest into its update by every method at every memory size, repeatedly, each run from a fresh "
                + "start with an external prober and writer; then FG's throughput while a clone boots (no clone, clone at "
                + "idle priority, clone at normal priority). Prints a table of medians (min–max) and writes JSON, Markdown "
                + "and SVG charts. A cold boot after a failed switch is reported as one, never counted as a background reboot. "
                + "Exits 1 if a run failed, fell back to a cold boot or aborted, an acknowledged write was lost, or a VM kept leftovers."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--guest", paramLabel = "GUESTS", split = ",", defaultValue = "tiny",
            description = "The guests, comma-separated, measured one after the other in one table: tiny (the demo busybox guest), "
                    + "debian11, debian12, debian13 (Debian 11, 12, 13 with systemd, each with a kernel update of its own release; "
                    + "debian is debian12), or debian-postgres alone (PostgreSQL under pgbench: a normal reboot, then --repeat "
                    + "background reboots; commit gaps and TPS). Default: ${DEFAULT-VALUE}.")
    List<String> guests;

    @Option(names = "--memory", paramLabel = "SIZES", split = ",", defaultValue = "128M,256M,768M,2G",
            description = "Memory sizes, comma-separated. Default: ${DEFAULT-VALUE}.")
    List<String> memory;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "Runs per method and memory size; medians are quoted. Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--methods", paramLabel = "LIST", split = ",",
            description = "Any of normal, kexec, background, restore, comma-separated. Default: all the guest supports (kexec needs [update] kexec).")
    List<String> methods;

    @Option(names = "--interference", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Measure FG's throughput while a clone boots, on the first guest at the largest memory size: no clone, clone at idle "
                    + "priority, clone at idle priority capped while FG is busy (adaptive), clone at normal priority, taking turns --repeat times, then no clone again (default: on; "
                    + "--no-interference skips it).")
    boolean interference;

    @Option(names = "--interference-seconds", paramLabel = "S", defaultValue = "15",
            description = "Length of each throughput window (a clone that boots faster ends its window early; with "
                    + "debian-postgres, the load before and after each reboot). Default: ${DEFAULT-VALUE}.")
    int interferenceSeconds;

    @Option(names = "--keep-state", description = {"With --guest debian-postgres: PostgreSQL's state kept across the switch beside the "
            + "restart path, in one run on a bridged VM (a test network the bench makes): a normal reboot, then --repeat pairs of "
            + "background reboots, restart path and kept; per reboot the commit gap, pgbench connections broken, the final dump's "
            + "size and time, the pre-dumps' freezes, the restore, TPS before and after."})
    boolean keepState;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write the figures as JSON to FILE, the table to FILE.md and the charts to FILE-*.svg beside it"
                    + " (default: results/bench-GUEST-TIME.json in the bgreboot home).")
    Path json;

    @Mixin EngineOptions engine;

    @Spec CommandSpec command;

    @Override public Integer call() {
        App app = new App(engine);
        if (keepState && !guests.equals(java.util.List.of(PostgresBench.GUEST))) {
            throw new UserError("--keep-state is measured with --guest " + PostgresBench.GUEST + " alone (PostgreSQL under pgbench)");
        }
        if (guests.contains(PostgresBench.GUEST)) {
            if (guests.size() > 1) {
                throw new UserError("--guest " + PostgresBench.GUEST + " is a bench of its own: give it alone");
            }
            return keepState ? keep(app) : postgres(app);
        }
        BenchPlan plan = new BenchPlan(guests, sizes(), methods(), repeat, interference, interferenceSeconds);
        Path out = out(app);
        Bench bench = new Bench(app.home, app.engine(), app.progress, app::accel);
        BenchResult result = bench.run(plan);

        System.out.println();
        System.out.print(BenchTable.of(result).toText());
        if (!BenchTable.parts(result).rows().isEmpty()) {
            System.out.print("\nThe background downtime by its parts (medians):\n" + BenchTable.parts(result).toText());
        }
        result.interference().ifPresent(i -> System.out.print("\n" + i.table().toText() + i.agreement() + "\n"));
        ResultFiles.writeJson(out, BenchJson.of(result));
        ResultFiles.writeText(ResultFiles.beside(out, ".md"), BenchTable.markdown(result));
        List<Path> written = new ArrayList<>(List.of(out, ResultFiles.beside(out, ".md")));
        for (Map.Entry<String, String> svg : BenchCharts.of(result).entrySet()) {
            Path file = ResultFiles.beside(out, svg.getKey());
            ResultFiles.writeText(file, svg.getValue());
            written.add(file);
        }
        System.out.printf("%nbench took %.1f min; accelerator %s; written: %s%n", result.wallMs() / 60_000, result.accel(),
                String.join(", ", written.stream().map(Path::toString).toList()));
        return exit(result.problems());
    }

    /**
     * The PostgreSQL guest under pgbench: a normal reboot, then --repeat background reboots, at the
     * first --memory size if one was given (else 1 GiB).
     */
    private int postgres(App app) {
        Path out = out(app);
        if (repeat < 1) {
            throw new UserError("--repeat must be at least 1");
        }
        boolean memoryGiven = command.commandLine().getParseResult().hasMatchedOption("--memory");
        ByteSize memory = memoryGiven ? sizes().get(0) : ByteSize.ofMiB(1024);
        Path logs = ResultFiles.beside(out, "-pgbench");
        PostgresOutcome o = new PostgresBench(app.home, app.engine(), new Lab(app.progress))
                .run(memory, repeat, Duration.ofSeconds(interferenceSeconds), logs);
        System.out.println();
        System.out.print(o.table());
        ResultFiles.writeJson(out, o.json());
        Path svg = ResultFiles.beside(out, ".svg");
        ResultFiles.writeText(svg, o.svg());
        System.out.printf("written: %s, %s; pgbench's logs in %s%n", out, svg, logs);
        return exit(o.problems());
    }

    /**
     * Each problem on a line of its own, and the exit status: a bench with a problem (a run that
     * fell back to a cold boot or aborted, a lost write, a leftover) is no result to quote.
     */
    static int exit(List<String> problems) {
        problems.forEach(p -> System.err.println("bgreboot: bench: " + p));
        return problems.isEmpty() ? ExitCode.OK.code : ExitCode.FAILED.code;
    }

    /**
     * PostgreSQL kept across the switch beside the restart path: a normal reboot, then --repeat
     * pairs of background reboots, on a bridged VM, at the first --memory size if given (else 1 GiB).
     */
    private int keep(App app) {
        Path out = out(app);
        if (repeat < 1) {
            throw new UserError("--repeat must be at least 1");
        }
        boolean memoryGiven = command.commandLine().getParseResult().hasMatchedOption("--memory");
        ByteSize memory = memoryGiven ? sizes().get(0) : ByteSize.ofMiB(1024);
        Path logs = ResultFiles.beside(out, "-pgbench");
        KeepBenchOutcome o = new KeepBench(app.home, app.engine(), new Lab(app.progress))
                .run(memory, new KeepBench.Plan(repeat, Duration.ofSeconds(interferenceSeconds), false), logs);
        System.out.println();
        System.out.print(o.table());
        ResultFiles.writeJson(out, o.json());
        ResultFiles.writeText(ResultFiles.beside(out, ".md"), o.table());
        System.out.printf("written: %s; pgbench's logs in %s%n", out, logs);
        return exit(o.problems());
    }

    /** --json, else results/bench-GUEST-TIME.json in the bgreboot home. */
    private Path out(App app) {
        return json != null ? json : app.home.home().resolve("results")
                .resolve("bench-" + String.join("-", guests) + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now()) + ".json");
    }

    private List<ByteSize> sizes() {
        List<ByteSize> sizes = new ArrayList<>();
        for (String m : memory) {
            try {
                sizes.add(ByteSize.parse(m));
            } catch (IllegalArgumentException e) {
                throw new UserError("--memory: " + e.getMessage());
            }
        }
        return sizes;
    }

    /** The methods asked for; none means every one the guest supports. */
    private List<BenchMethod> methods() {
        return methods == null ? List.of() : methods.stream().map(BenchMethod::parse).toList();
    }
}
