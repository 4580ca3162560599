package org.bgreboot.experiment.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.Sleep;
import org.bgreboot.engine.Vm;
import org.bgreboot.experiment.Lab;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;

/**
 * Reboots of a PostgreSQL guest under pgbench, a client nobody here wrote: one normal reboot (the
 * baseline), then background reboots, with pgbench writing throughout and {@code window} of quiet
 * load before and after each. Afterwards every transaction pgbench saw committed must be a row.
 */
public final class PostgresRun {
    /**
     * @param window  the load before and after each reboot, over which TPS is counted
     * @param install whether the reboots install the spec's update first (the first one does the
     *                work; under TCG a kernel package's initramfs takes minutes)
     * @param share   how the background reboots' clones share the host while they boot
     */
    public record Plan(int backgroundReboots, Duration window, boolean install, BgShare share) {}

    /** How long PostgreSQL may take to take queries again after a reboot's end (a cold start on a busy TCG host). */
    private static final Duration SERVER_BACK = Duration.ofSeconds(120);

    private final Lab lab;
    private final Vm vm;
    private final PgbenchWorkload.Database db;
    private final Home home;
    private final Path logs;

    /** @param logs a fresh directory for pgbench's transaction logs */
    public PostgresRun(Lab lab, Vm vm, PgbenchWorkload.Database db, Home home, Path logs) {
        this.lab = lab;
        this.vm = vm;
        this.db = db;
        this.home = home;
        this.logs = logs;
    }

    /** Runs the plan on the running VM; pgbench is stopped and checked even when a reboot fails. */
    public PostgresOutcome run(Plan plan) {
        Progress progress = lab.progress();
        RunClock clock = RunClock.start();
        Path sql = home.guestSources().resolve("postgres");
        List<RebootResult> reboots = new ArrayList<>();
        PgbenchWorkload.Result seen;
        progress.step("pgbench: 2 clients, one row per transaction, every transaction logged");
        try (PgbenchWorkload w = PgbenchWorkload.start(db, sql.resolve("pgbench-append.sql"), sql.resolve("pgbench-init.sql"), logs, clock)) {
            try {
                Sleep.ms(plan.window().toMillis());
                reboots.add(reboot("normal reboot (the baseline)", RebootOptions.background(clock).with(Method.NORMAL).withInstall(plan.install()).forcing(!plan.install()), plan, w));
                for (int i = 1; i <= plan.backgroundReboots(); i++) {
                    reboots.add(reboot("background reboot " + i + " of " + plan.backgroundReboots(),
                            RebootOptions.background(clock).with(plan.share()).withInstall(plan.install()).forcing(!plan.install()), plan, w));
                }
            } finally {
                progress.step("pgbench: stopping, then every logged commit looked up in the table");
                seen = w.stop();
            }
        }
        List<PostgresReboot> measured = reboots.stream().map(r -> PostgresReboot.of(r, seen, plan.window().toMillis())).toList();
        return new PostgresOutcome(vm.spec().name(), measured, seen.commits().size(), seen.runs(), seen.lost().size(),
                seen.lost().stream().sorted().limit(10).toList(), seen.extraRows(), seen.commits());
    }

    private RebootResult reboot(String what, RebootOptions opts, Plan plan, PgbenchWorkload w) {
        lab.progress().step(what.toUpperCase(java.util.Locale.ROOT));
        RebootResult r = lab.reboot(vm, opts);
        if (!w.awaitServer(SERVER_BACK)) {
            lab.progress().step("PostgreSQL did not take a query within " + SERVER_BACK.toSeconds() + " s after the reboot");
        } else if (!w.awaitCommitting(SERVER_BACK)) {
            lab.progress().step("pgbench did not commit within " + SERVER_BACK.toSeconds() + " s of PostgreSQL's return");
        }
        Sleep.ms(plan.window().toMillis());
        return r;
    }
}
