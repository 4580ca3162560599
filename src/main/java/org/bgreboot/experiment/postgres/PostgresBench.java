package org.bgreboot.experiment.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.bgreboot.Home;
import org.bgreboot.engine.Engine;
import org.bgreboot.engine.Vm;
import org.bgreboot.experiment.Lab;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.reboot.BgShare;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/**
 * {@code bgreboot bench --guest debian-postgres}: the PostgreSQL guest as its own VM
 * ({@code bench-postgres}, its own persistent disk, free host ports), started fresh, rebooted
 * under pgbench by a {@link PostgresRun}, stopped.
 */
public final class PostgresBench {
    public static final String GUEST = "debian-postgres";
    private static final String VM = "bench-postgres";

    private final Home home;
    private final Engine engine;
    private final Lab lab;

    public PostgresBench(Home home, Engine engine, Lab lab) {
        this.home = home;
        this.engine = engine;
        this.lab = lab;
    }

    public PostgresOutcome run(ByteSize memory, int backgroundReboots, Duration window, Path logs) {
        GuestImage image = new GuestBuilder(home).ensure(GUEST, lab.progress()::step);
        int port = freePortPair();
        Path persistent = home.home().resolve("data").resolve(VM).resolve("persist.img");
        Path file = GuestSpecs.write(new GuestSpecs.Request(VM, image, memory, port, persistent), home.specs().resolve(VM + ".toml"));
        VmSpec spec = SpecLoader.forThisHost(home.vms()).load(file);
        Vm vm = engine.vm(spec, home.stateDir(VM));
        GuestImage.Postgres pg = image.manifest().postgres();
        lab.freshStart(vm);
        try {
            return new PostgresRun(lab, vm, new PgbenchWorkload.Database("127.0.0.1", port + 1, pg.user(), pg.database(), ""), home, logs)
                    .run(new PostgresRun.Plan(backgroundReboots, window, true, BgShare.byDefault()));
        } finally {
            lab.stop(vm);
        }
    }

    /** A free host port whose successor is free too: the service's forward and PostgreSQL's. */
    public static int freePortPair() {
        for (int tries = 0; tries < 50; tries++) {
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(a.getLocalPort() + 1)) {
                return a.getLocalPort();
            } catch (IOException taken) {
                // the next one
            }
        }
        throw new UncheckedIOException(new IOException("no two free consecutive host ports found"));
    }
}
