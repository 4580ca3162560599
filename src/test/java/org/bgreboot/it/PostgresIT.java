package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.experiment.postgres.PostgresBench;
import org.bgreboot.experiment.postgres.PostgresOutcome;
import org.bgreboot.experiment.postgres.PostgresReboot;
import org.bgreboot.experiment.postgres.PostgresRun;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.output.Schemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL across background reboots, written to by Debian's pgbench (a client nobody here
 * wrote) from the host: a normal reboot for the baseline, then a background reboot. Every
 * transaction pgbench saw committed must be in the table afterwards, pgbench must be committing
 * again after each reboot and while the clone boots, and a background reboot's longest gap
 * between commits must be a small share of the normal reboot's, measured in the same run. The
 * bound is 25 %, not the 5 % aimed at: under TCG the gap is PostgreSQL's own crash recovery and
 * start in the new VM (1.5 s even with its start-up translated beforehand) plus the freeze,
 * against a normal reboot of ~21 s on this machine: 2.3-2.6 s, 11-12 %, measured by
 * {@code bgreboot bench --guest debian-postgres}. Generous for a busy host.
 *
 * <p>One background reboot, its clone at normal priority: pgbench keeps FG busy, so an adaptive
 * clone is held back for most of its deadline (90-107 s against ~45 s here), which is BusyHostIT's
 * subject, not this test's; reboots from a reboot's chain are SoakIT's and KeepStateIT's.
 */
@ExtendWith(KillStrayVms.class)
class PostgresIT {

    @Test
    void aBackgroundRebootUnderPgbenchLosesNoCommittedTransaction() throws IOException {
        GuestImage image = new GuestBuilder(TestVms.home()).ensure("debian-postgres", line -> System.out.println("  " + line));
        String name = "pg-" + System.nanoTime() % 100000;
        int port = PostgresBench.freePortPair();
        Path persistent = TestVms.home().home().resolve("data").resolve(name).resolve("persist.img");
        Path spec = GuestSpecs.write(new GuestSpecs.Request(name, image, ByteSize.ofMiB(1024), port, persistent),
                TestVms.home().specs().resolve(name + ".toml"));
        EmbeddedVm vm = TestVms.vm(spec);
        GuestImage.Postgres pg = image.manifest().postgres();
        PgbenchWorkload.Database db = new PgbenchWorkload.Database("127.0.0.1", port + 1, pg.user(), pg.database(), "");
        PostgresOutcome o;
        try {
            TestVms.lab().freshStart(vm);
            o = new PostgresRun(TestVms.lab(), vm, db, TestVms.home(), Files.createTempDirectory(TestVms.home().home(), "pgbench-"))
                    .run(new PostgresRun.Plan(1, Duration.ofSeconds(5), false, BgShare.NORMAL)); // no kernel install: minutes under TCG, and not what is tested
        } finally {
            TestVms.lab().stop(vm);
        }
        System.out.print(o.table());
        Schemas.assertValid("bench", o.json());
        assertThat(o.problems()).isEmpty();

        assertThat(o.reboots()).hasSize(2).allSatisfy(r -> assertThat(r.failure()).isEmpty());
        assertThat(o.commits()).as("pgbench committed throughout").isGreaterThan(500);
        assertThat(o.lost()).as("committed transactions missing from the table: " + o.lostSample()).isZero();
        assertThat(o.pgbenchRuns()).as("a new pgbench connected after each reboot").isGreaterThanOrEqualTo(3);
        for (PostgresReboot r : o.reboots()) {
            assertThat(r.tpsAfter()).as(r.method() + " reboot: pgbench commits again afterwards").isPositive();
        }
        double normal = o.normal().orElseThrow().commitGapMs();
        for (PostgresReboot r : o.backgrounds()) {
            assertThat(r.tpsDuringBgBoot()).as("pgbench kept committing while the clone booted").isPositive();
            assertThat(r.commitGapMs()).as("background commit gap against the normal reboot's " + normal + " ms").isLessThanOrEqualTo(0.25 * normal);
        }
    }
}
