package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * across three background reboots in a row by {@code reboot --keep-state}, on the debian-postgres
 * guest after {@code guest install --keep-state} ({@link KeepReadyGuest}: made through the agent of
 * a real VM the first time, then cached). After each: the result says PostgreSQL was kept with its
 * connections; a newly booted kernel serves (another boot_id); the unit is active there, with the
 * restored postmaster (the first one's pid) as its main process; pgbench commits on it again. At
 * the end: the one pgbench process started before the first reboot committed throughout (none of
 * its clients lost its connection, no second pgbench was needed), and every transaction it saw
 * committed is in the table.
 *
 * <p>Without the kernel install, the clone at normal priority: what makes it a kept reboot is all
 * here, and the rest of what the issue asks is proven elsewhere, more cheaply. In an earlier form
 * (bgreboot-keep installed on every run, the kernel update installed by the reboot, the clone at
 * the adaptive share) one kept reboot took 16 min under TCG on a busy host: the keep install 2.7
 * min, the kernel install 3.5 min, the clone held back 4.7 min while pgbench kept the VM busy. It
 * passed across the kernel update (6.1.0-50 to 6.1.0-57, the same pid, no connection broken); the
 * bench repeats kept reboots beside the restart path across that update; the engine in memory
 * proves every fallback, the rollback after the dump, the abort and a crash at every point
 * (MemoryKeepStateTest).
 */
@ExtendWith(KillStrayVms.class)
class KeepStateIT {
    private static final String UNIT = "postgresql@15-main.service";
    private static final int REBOOTS = 3;
    private static final double GAP_SLACK_MS = 2_000;

    @Test
    void postgresqlKeepsItsProcessesAndConnectionsAcrossThreeBackgroundRebootsUnderPgbench() throws IOException {
        long t0 = System.nanoTime();
        GuestImage base = new GuestBuilder(TestVms.home()).ensure("debian-postgres", line -> System.out.println("  " + line));
        String name = "kpg-" + System.nanoTime() % 100000;
        List<Kept> kept = new ArrayList<>();
        PgbenchWorkload.Result seen;
        long pidBefore;
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
                pidBefore = Long.parseLong(guest(vm, "systemctl", "show", "-p", "MainPID", "--value", UNIT));
                GuestImage.Postgres pg = image.manifest().postgres();
                PgbenchWorkload.Database db = new PgbenchWorkload.Database(net.vmAddress(0), pg.port(), pg.user(), pg.database(), net.clientNetns());
                RunClock clock = RunClock.start();
                Path sql = TestVms.home().guestSources().resolve("postgres");
                try (PgbenchWorkload w = PgbenchWorkload.start(db, sql.resolve("pgbench-append.sql"), sql.resolve("pgbench-init.sql"),
                        Files.createTempDirectory(TestVms.home().home(), "pgbench-"), clock, Duration.ofHours(2))) {
                    try {
                        Sleep.ms(5_000);
                        for (int n = 1; n <= REBOOTS; n++) {
                            kept.add(keptReboot(vm, clock, pidBefore, n));
                        }
                        Sleep.ms(5_000); // pgbench buffers its log: let it write what it saw since
                    } finally {
                        seen = w.stop();
                    }
                }
            } finally {
                TestVms.lab().stop(vm);
            }
            for (Kept k : kept) {
                System.out.printf("KeepStateIT: kept reboot %d: commit gap %.1f s (switch %.1f s), kernel %s (boot %s -> %s)%n", k.n(),
                        seen.longestGapMs(k.result().startMs(), k.resumedMs()) / 1000, k.result().switchMs() / 1000, k.kernel(), k.bootBefore(),
                        k.bootAfter());
            }
            System.out.printf("KeepStateIT: %d kept reboots in %.1f min (%.1f min with the keep-ready guest); %d commits by %d pgbench "
                            + "process(es), %d lost%n", kept.size(), (System.nanoTime() - t1) / 60e9, (System.nanoTime() - t0) / 60e9,
                    seen.commits().size(), seen.runs(), seen.lost().size());
        }

        assertThat(kept).hasSize(REBOOTS);
        assertThat(seen.runs()).as("one pgbench process committed throughout: none reconnected").isEqualTo(1);
        assertThat(seen.connectionsBroken(0, Double.MAX_VALUE)).as("no pgbench client lost its connection").isZero();
        assertThat(seen.lost()).as("committed transactions missing from the table").isEmpty();
        for (Kept k : kept) {
            assertThat(seen.tps(k.result().endMs(), k.resumedMs() + 5_000)).as("kept reboot " + k.n() + ": pgbench's log has commits on the restored server")
                    .isPositive();
            // held, the clients' segments reach the restored server the moment the restore is done, inside the switch's
            // span (the network's move to the attach's end, which ends after it); dropped, they waited for their next
            // backed-off retransmission, up to twice the outage (gaps of 13.7-14 s against switches of 9-10 s). 2 s of slack
            // for the commit itself on a busy host.
            assertThat(seen.longestGapMs(k.result().startMs(), k.resumedMs())).as("kept reboot " + k.n() + ": pgbench's commit gap, not beyond the switch")
                    .isLessThan(k.result().switchMs() + GAP_SLACK_MS);
        }
    }

    /** What one kept reboot left: its result, when pgbench committed again, the kernel that serves and the boots around it. */
    private record Kept(int n, RebootResult result, double resumedMs, String kernel, String bootBefore, String bootAfter) {}

    /**
     * One background reboot keeping PostgreSQL's state, asserted as it ends: kept with its connections, the same
     * postmaster the unit's main process in a newly booted kernel, and pgbench committing on it again.
     */
    private static Kept keptReboot(EmbeddedVm vm, RunClock clock, long pid, int n) {
        String bootBefore = guest(vm, "cat", "/proc/sys/kernel/random/boot_id");
        // the clone at normal priority: pgbench keeps the VM busy, and the adaptive share would hold the clone back
        // until its deadline (minutes); how the clone shares the host is not what is tested here
        RebootResult r = TestVms.lab().reboot(vm, RebootOptions.background(clock).withInstall(false).forcing(true).with(BgShare.NORMAL)
                .keepingState(KeepLimits.CONTRACT));
        System.out.println("kept reboot " + n + ": " + r.outcome().describe() + "; "
                + r.keptState().map(k -> k.services().get(0).describe()).orElse("no kept state"));
        Schemas.assertValid("reboot", RebootOutput.of(r));
        String what = "kept reboot " + n + ": ";
        assertThat(r.outcome()).as(what + "outcome").isEqualTo(new Outcome.Switched());
        KeptService k = r.keptState().orElseThrow().services().get(0);
        assertThat(k.fate()).as(what + k.describe()).isEqualTo(KeptService.Fate.KEPT);
        assertThat(k.connectionsKept()).as(what + "connections kept").isTrue();
        assertThat(k.pid()).as(what + "the restored postmaster has the first one's pid").isEqualTo(pid);
        assertThat(k.heldSegments()).as(what + "the new VM's guard held the clients' segments until the restore (not dropped)").isPresent();
        String bootAfter = guest(vm, "cat", "/proc/sys/kernel/random/boot_id");
        assertThat(bootAfter).as(what + "a newly booted kernel serves").isNotEqualTo(bootBefore);
        assertThat(guest(vm, "systemctl", "is-active", UNIT)).as(what + "the unit is active in the new VM").isEqualTo("active");
        assertThat(guest(vm, "systemctl", "show", "-p", "MainPID", "--value", UNIT)).as(what + "its main process is the restored postmaster")
                .isEqualTo(String.valueOf(pid));
        assertThat(exitOf(vm, "systemctl", "status", "--no-pager", UNIT)).as(what + "systemctl status: active").isZero();
        // pgbench's clients commit on the restored server as soon as it is restored: what they sent through the switch
        // was held, not dropped (the bound is generous for a busy host; a connection the restore did not carry never
        // commits again)
        long rows = rows(vm);
        long until = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (rows(vm) <= rows && System.nanoTime() < until) {
            Sleep.ms(2_000);
        }
        double resumedMs = clock.nowMs();
        assertThat(rows(vm)).as(what + "pgbench commits on the restored server within 180 s of the switch").isGreaterThan(rows);
        return new Kept(n, r, resumedMs, guest(vm, "uname", "-r"), bootBefore, bootAfter);
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

    /** A command's exit status in the VM's serving guest. */
    private static int exitOf(EmbeddedVm vm, String... argv) {
        try (Instance i = vm.serving().orElseThrow()) {
            return i.agent().exec(List.of(argv), Duration.ofSeconds(60)).exitCode();
        }
    }
}
