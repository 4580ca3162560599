package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Sleep;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.experiment.postgres.KeepBench;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.keep.GuestKeep;
import org.bgreboot.keep.KeepLimits;
import org.bgreboot.keep.KeptUnit;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.measure.RunClock;
import org.bgreboot.output.RebootOutput;
import org.bgreboot.output.Schemas;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.reboot.KeptService;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.testnet.GuestAddress;
import org.bgreboot.testnet.TestNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL under pgbench (Debian's, a client nobody here wrote) on a bridged VM, its state kept
 * across a background reboot by {@code reboot --keep-state}, on the debian-postgres guest after
 * {@code guest install --keep-state} ({@link KeepReadyGuest}: made through the agent of a real VM
 * the first time, then cached). The result says PostgreSQL was kept with its connections; the unit
 * is active in the new VM with the restored postmaster (the old one's pid) as its main process; the
 * one pgbench process started before the reboot keeps committing after it (none of its clients lost
 * its connection, no second pgbench was needed); every transaction it saw committed is in the table.
 *
 * <p>One kept reboot, without the kernel install, the clone at normal priority: what makes it a
 * kept reboot is all here, and the rest of what the issue asks is proven elsewhere, more cheaply.
 * In its earlier form (bgreboot-keep installed on every run, the kernel update installed by the
 * reboot, the clone at the adaptive share) one kept reboot took 16 min under TCG on a busy host:
 * the keep install 2.7 min, the kernel install 3.5 min, the clone held back 4.7 min while pgbench
 * kept the VM busy. It passed across the kernel update (6.1.0-50 to 6.1.0-57, the same pid, no
 * connection broken); the bench repeats kept reboots beside the restart path; the engine in memory
 * proves every fallback, the rollback after the dump, the abort and a crash at every point
 * (MemoryKeepStateTest).
 */
@ExtendWith(KillStrayVms.class)
class KeepStateIT {
    private static final String UNIT = "postgresql@15-main.service";

    @Test
    void postgresqlKeepsItsProcessesAndConnectionsAcrossABackgroundRebootUnderPgbench() throws IOException {
        long t0 = System.nanoTime();
        GuestImage base = new GuestBuilder(TestVms.home()).ensure("debian-postgres", line -> System.out.println("  " + line));
        String name = "kpg-" + System.nanoTime() % 100000;
        RebootResult r;
        PgbenchWorkload.Result seen;
        long pidBefore;
        String kernelBefore;
        String kernelAfter;
        double resumedMs;
        try (TestNetwork net = TestNetwork.up(TestVms.REPO, "kepit", KeepBench.SUBNET + 1)) {
            GuestImage image = KeepReadyGuest.ensure(base, net);
            long t1 = System.nanoTime();
            Path persistent = TestVms.home().home().resolve("data").resolve(name).resolve("persist.img");
            Path spec = GuestSpecs.write(new GuestSpecs.Request(name, image, ByteSize.ofMiB(1024), 0, persistent, Optional.of(net.place(0))),
                    TestVms.home().specs().resolve(name + ".toml"));
            EmbeddedVm vm = TestVms.vm(spec);
            try {
                TestVms.lab().freshStart(vm);
                try (Instance i = vm.serving().orElseThrow()) {
                    GuestAddress.ensure(i.agent(), net.vmAddress(0), net.place(0).prefixLength());
                    KeptUnit pg = new GuestKeep(i.agent()).list(Duration.ofSeconds(30)).orElseThrow().get(0);
                    assertThat(pg.whyNot()).as("the cached guest keeps PostgreSQL: " + pg).isEmpty();
                }
                kernelBefore = guest(vm, "uname", "-r");
                pidBefore = Long.parseLong(guest(vm, "systemctl", "show", "-p", "MainPID", "--value", UNIT));
                GuestImage.Postgres pg = image.manifest().postgres();
                PgbenchWorkload.Database db = new PgbenchWorkload.Database(net.vmAddress(0), pg.port(), pg.user(), pg.database(), net.clientNetns());
                RunClock clock = RunClock.start();
                Path sql = TestVms.home().guestSources().resolve("postgres");
                try (PgbenchWorkload w = PgbenchWorkload.start(db, sql.resolve("pgbench-append.sql"), sql.resolve("pgbench-init.sql"),
                        Files.createTempDirectory(TestVms.home().home(), "pgbench-"), clock, Duration.ofHours(2))) {
                    try {
                        Sleep.ms(5_000);
                        // the clone at normal priority: pgbench keeps the VM busy, and the adaptive share would hold the
                        // clone back until its deadline (minutes); how the clone shares the host is not what is tested here
                        r = TestVms.lab().reboot(vm, RebootOptions.background(clock).withInstall(false).forcing(true).with(BgShare.NORMAL)
                                .keepingState(KeepLimits.CONTRACT));
                        System.out.println("kept reboot: " + r.outcome().describe() + "; "
                                + r.keptState().map(k -> k.services().get(0).describe()).orElse("no kept state"));
                        Schemas.assertValid("reboot", RebootOutput.of(r));
                        assertThat(r.outcome()).isEqualTo(new Outcome.Switched());
                        KeptService k = r.keptState().orElseThrow().services().get(0);
                        assertThat(k.fate()).as(k.describe()).isEqualTo(KeptService.Fate.KEPT);
                        assertThat(k.connectionsKept()).isTrue();
                        assertThat(k.pid()).as("the restored postmaster has the old one's pid").isEqualTo(pidBefore);
                        assertThat(guest(vm, "systemctl", "is-active", UNIT)).as("the unit is active in the new VM").isEqualTo("active");
                        assertThat(guest(vm, "systemctl", "show", "-p", "MainPID", "--value", UNIT)).as("its main process is the restored postmaster")
                                .isEqualTo(String.valueOf(pidBefore));
                        kernelAfter = guest(vm, "uname", "-r");
                        // pgbench's clients commit on the restored server once they retransmit: their segments were dropped
                        // through the switch, so at their next backed-off timer, up to twice the outage later (the bound is
                        // generous for a busy host; a connection the restore did not carry never commits again)
                        long rows = rows(vm);
                        long until = System.nanoTime() + Duration.ofSeconds(180).toNanos();
                        while (rows(vm) <= rows && System.nanoTime() < until) {
                            Sleep.ms(2_000);
                        }
                        resumedMs = clock.nowMs();
                        assertThat(rows(vm)).as("pgbench commits on the restored server within 180 s of the switch").isGreaterThan(rows);
                        Sleep.ms(5_000); // pgbench buffers its log: let it write what it saw since
                    } finally {
                        seen = w.stop();
                    }
                }
            } finally {
                TestVms.lab().stop(vm);
            }
            System.out.printf("KeepStateIT: a kept reboot in %.1f min (%.1f min with the keep-ready guest); commit gap %.1f s; %d commits by %d pgbench "
                            + "process(es), %d lost; kernel %s -> %s%n", (System.nanoTime() - t1) / 60e9, (System.nanoTime() - t0) / 60e9,
                    seen.longestGapMs(r.startMs(), resumedMs) / 1000, seen.commits().size(), seen.runs(), seen.lost().size(), kernelBefore, kernelAfter);
        }

        assertThat(seen.runs()).as("one pgbench process committed throughout: none reconnected").isEqualTo(1);
        assertThat(seen.connectionsBroken(0, Double.MAX_VALUE)).as("no pgbench client lost its connection").isZero();
        assertThat(seen.lost()).as("committed transactions missing from the table").isEmpty();
        assertThat(seen.tps(r.endMs(), resumedMs + 5_000)).as("pgbench's log has commits on the restored server").isPositive();
    }
    /** The rows pgbench's transactions wrote, counted in the VM's serving guest. */
    private static long rows(EmbeddedVm vm) {
        return Long.parseLong(guest(vm, "runuser", "-u", "postgres", "--", "psql", "-At", "-c", "SELECT count(*) FROM bgreboot_pgbench"));
    }

    /** A command's output in the VM's serving guest. */
    private static String guest(EmbeddedVm vm, String... argv) {
        try (Instance i = vm.serving().orElseThrow()) {
            return i.agent().exec(List.of(argv), Duration.ofSeconds(60)).stdoutText().strip();
        }
    }
}
