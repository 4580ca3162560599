package org.bgreboot.experiment.postgres;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.Sleep;
import org.bgreboot.contract.KeepInstall;
import org.bgreboot.engine.Engine;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.experiment.Lab;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestPackages;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.keep.KeepLimits;
import org.bgreboot.keep.KeptUnit;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.testnet.GuestAddress;
import org.bgreboot.testnet.TestNetwork;

/**
 * {@code bgreboot bench --guest debian-postgres --keep-state}: PostgreSQL under pgbench on a bridged
 * VM (a test network the bench makes and removes; user networking cannot carry connections),
 * bgreboot-keep installed and PostgreSQL named in its keep.d; one pgbench workload, each pgbench
 * process holding its connections as long as the server does, through a normal reboot (the
 * baseline), then background reboots taking turns: the restart path, then PostgreSQL kept.
 */
public final class KeepBench {
    /** The kept service, as guest/keep/examples names it. */
    public static final String SERVICE = "postgresql";
    /** The bench's test network and its 10.77.X.0/24. */
    public static final String NETWORK = "kep";
    public static final int SUBNET = 110;
    private static final String VM = "bench-pgkeep";
    /** Long enough to span the whole run: a pgbench process ends only when its connections do. */
    private static final Duration PGBENCH_RUN = Duration.ofHours(12);

    /**
     * @param pairs   background reboots on the restart path and kept, taking turns, this many of each
     * @param window  the load before and after each reboot (TPS)
     * @param install whether each reboot installs the spec's update first (the first installs a newer kernel; minutes under TCG)
     */
    public record Plan(int pairs, Duration window, boolean install) {}

    private final Home home;
    private final Engine engine;
    private final Lab lab;

    public KeepBench(Home home, Engine engine, Lab lab) {
        this.home = home;
        this.engine = engine;
        this.lab = lab;
    }

    public KeepBenchOutcome run(ByteSize memory, Plan plan, Path logs) {
        GuestImage image = new GuestBuilder(home).ensure(PostgresBench.GUEST, lab.progress()::step);
        try (TestNetwork net = TestNetwork.up(home.repo(), NETWORK, SUBNET)) {
            Path persistent = home.home().resolve("data").resolve(VM).resolve("persist.img");
            Path file = GuestSpecs.write(new GuestSpecs.Request(VM, image, memory, 0, persistent, Optional.of(net.place(0))),
                    home.specs().resolve(VM + ".toml"));
            VmSpec spec = SpecLoader.forThisHost(home.vms()).load(file);
            Vm vm = engine.vm(spec, home.stateDir(VM));
            lab.freshStart(vm);
            try {
                prepare(home, vm, net, lab.progress());
                GuestImage.Postgres pg = image.manifest().postgres();
                PgbenchWorkload.Database db = new PgbenchWorkload.Database(net.vmAddress(0), pg.port(), pg.user(), pg.database(), net.clientNetns());
                return measure(vm, db, plan, logs, net.bridge());
            } finally {
                lab.stop(vm);
            }
        }
    }

    /**
     * Makes a running debian-postgres VM on {@code net} keep PostgreSQL: its address on the bridge,
     * PostgreSQL's dynamic shared memory in System V segments (CRIU dumps them with the server's
     * IPC namespace; the default puts them in a tmpfs of the old VM), bgreboot-keep installed with
     * guest/keep/examples/postgresql named, and the server restarted once under it.
     */
    public static KeepInstall.Result prepare(Home home, Vm vm, TestNetwork net, Progress progress) {
        try (Instance i = vm.serving().orElseThrow(() -> new IllegalStateException(vm.spec().name() + " does not run"))) {
            GuestAddress.ensure(i.agent(), net.vmAddress(0), net.place(0).prefixLength());
            Path examples = home.guestSources().resolve("keep").resolve("examples");
            i.agent().writeFile("/etc/postgresql/15/main/conf.d/bgreboot-keep.conf",
                    new ByteArrayInputStream(Files.readAllBytes(examples.resolve("postgresql-conf.d-bgreboot-keep.conf"))));
            i.agent().exec(List.of("chmod", "644", "/etc/postgresql/15/main/conf.d/bgreboot-keep.conf"), Duration.ofSeconds(30));
            GuestPackages packages = new GuestPackages(home);
            KeepInstall.Result r = KeepInstall.run(i, new KeepInstall.Request(List.of(examples.resolve(SERVICE)),
                    status -> packages.keepBundle(status, line -> progress.step("  " + line))), progress);
            KeptUnit unit = r.services().stream().filter(u -> u.name().equals(SERVICE)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("after the install the guest's bgreboot-keep does not list " + SERVICE + ": " + r.services()));
            unit.whyNot().ifPresent(why -> {
                throw new IllegalStateException("PostgreSQL cannot be kept after the install: " + why);
            });
            progress.step(String.format("bgreboot-keep installed: %d packages pushed in %.1f s, apt %.1f s; %s", r.packages().size(),
                    r.pushMs() / 1000, r.aptMs() / 1000, r.criu()));
            return r;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private KeepBenchOutcome measure(Vm vm, PgbenchWorkload.Database db, Plan plan, Path logs, String network) {
        Progress progress = lab.progress();
        RunClock clock = RunClock.start();
        Path sql = home.guestSources().resolve("postgres");
        record Done(RebootResult result, boolean keep, String kernel) {}
        List<Done> done = new ArrayList<>();
        PgbenchWorkload.Result seen;
        progress.step("pgbench: 2 clients from the test network's client namespace, one row per transaction, every transaction logged;"
                + " a new pgbench process only when one loses its connections");
        try (PgbenchWorkload w = PgbenchWorkload.start(db, sql.resolve("pgbench-append.sql"), sql.resolve("pgbench-init.sql"), logs, clock, PGBENCH_RUN)) {
            try {
                Sleep.ms(plan.window().toMillis());
                RebootOptions base = RebootOptions.background(clock).withInstall(plan.install()).forcing(!plan.install());
                done.add(reboot(vm, "normal reboot (the baseline)", base.with(Method.NORMAL), false, plan, Done::new));
                for (int i = 1; i <= plan.pairs(); i++) {
                    done.add(reboot(vm, "background reboot " + i + " of " + plan.pairs() + ", restart path", base, false, plan, Done::new));
                    done.add(reboot(vm, "background reboot " + i + " of " + plan.pairs() + ", keeping PostgreSQL's state",
                            base.keepingState(KeepLimits.CONTRACT), true, plan, Done::new));
                }
                Sleep.ms(5_000); // pgbench buffers its log: what it wrote last is lost when it is interrupted, never a reboot's window
            } finally {
                progress.step("pgbench: stopping, then every logged commit looked up in the table");
                seen = w.stop();
            }
        }
        List<KeptReboot> measured = done.stream().map(d -> KeptReboot.of(d.result(), d.keep(), seen, plan.window().toMillis(), d.kernel())).toList();
        return new KeepBenchOutcome(vm.spec().name(), network, measured, seen.commits().size(), seen.runs(), seen.lost().size(),
                seen.lost().stream().sorted().limit(10).toList(), seen.extraRows());
    }

    private interface Made<T> {
        T of(RebootResult r, boolean keep, String kernel);
    }

    private <T> T reboot(Vm vm, String what, RebootOptions opts, boolean keep, Plan plan, Made<T> made) {
        lab.progress().step(what.toUpperCase(Locale.ROOT));
        RebootResult r = lab.reboot(vm, opts);
        r.keptState().ifPresent(k -> k.services().forEach(s -> lab.progress().step("  " + s.describe())));
        String kernel = kernel(vm);
        Sleep.ms(plan.window().toMillis());
        return made.of(r, keep, kernel);
    }

    /** The kernel the VM runs now, as its guest says. */
    static String kernel(Vm vm) {
        try (Instance i = vm.serving().orElseThrow()) {
            return i.agent().exec(List.of("uname", "-r"), Duration.ofSeconds(30)).stdoutText().strip();
        } catch (RuntimeException e) {
            return "";
        }
    }
}
