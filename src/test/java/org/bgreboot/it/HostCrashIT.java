package org.bgreboot.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.experiment.LibvirtLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole-host crash trials' table ({@link HostCrash}): bgreboot, every QEMU of the VM and
 * libvirtd SIGKILLed at one moment at each step boundary of the handover switch, on both engines,
 * then one {@code recover}. Each trial is a reboot up to its point (the clone's boot included) and
 * a recovery that boots the VM cold, 1.5-5 min here under TCG on a shared host, so the table runs
 * only when asked: {@code -Dbgreboot.crash.points=all} (or a comma list of points; {@code
 * -Dbgreboot.crash.engines=libvirt} for one engine), for at most
 * {@code -Dbgreboot.crash.minutes} (default 90) minutes; trials past that are skipped, and said so.
 * It prints the table and writes it to target/host-crash-trials.txt. The suite itself runs one
 * trial per engine, in {@link FaultIT} and {@link LibvirtFaultIT}, on their VMs.
 */
@ExtendWith(KillStrayVms.class)
class HostCrashIT {
    /** Every step boundary of the handover switch, and the moment before it. */
    static final List<String> ALL_POINTS = List.of("after:await_ready", "before:take_network", "after:take_network", "after:release",
            "before:stop_fg", "after:stop_fg", "before:plug_disk", "after:plug_disk", "after:attach", "after:promote", "before:retire");
    private static final String POINTS = System.getProperty("bgreboot.crash.points", "");
    private static final long BUDGET_NANOS = Long.getLong("bgreboot.crash.minutes", 90) * 60_000_000_000L;
    private static final long START = System.nanoTime();
    private static final List<String> TABLE = new ArrayList<>();
    private static final List<String> SKIPPED = new ArrayList<>();
    private static HostCrash.Embedded embedded;
    private static HostCrash.Libvirt libvirt;

    static Stream<Arguments> trials() {
        List<String> points = POINTS.isEmpty() ? List.of() : POINTS.equals("all") ? ALL_POINTS : Arrays.asList(POINTS.split(","));
        List<Arguments> out = new ArrayList<>();
        for (String engine : System.getProperty("bgreboot.crash.engines", "libvirt,embedded").split(",")) {
            points.forEach(p -> out.add(Arguments.of(engine, p)));
        }
        if (out.isEmpty()) {
            out.add(Arguments.of("none", "none")); // one case that says how to run the table
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("trials")
    void aHostCrashAnywhereInTheSwitchIsRecoveredToOneServingVmWithNothingLost(String engine, String point) throws Exception {
        Assumptions.assumeFalse(engine.equals("none"), "the trials' table runs with -Dbgreboot.crash.points=all (one trial per engine runs in FaultIT and LibvirtFaultIT)");
        if (System.nanoTime() - START > BUDGET_NANOS) {
            SKIPPED.add(engine + " " + point);
            Assumptions.abort("past the trials' time budget (-Dbgreboot.crash.minutes)");
        }
        HostCrash.Row row = HostCrash.trial(engine.equals("libvirt") ? libvirt() : embedded(), point);
        TABLE.add(row.line());
    }

    @AfterAll
    static void printTheTable() throws IOException {
        if (libvirt != null) {
            LibvirtTestLab.remove(libvirt.d());
        }
        if (embedded != null) {
            TestVms.lab().stop(embedded.vm());
        }
        if (TABLE.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(HostCrash.Row.header());
        lines.addAll(TABLE);
        lines.add(String.format("%d trials in %.1f min%s", TABLE.size(), (System.nanoTime() - START) / 60e9,
                SKIPPED.isEmpty() ? "" : "; past the budget, not run: " + SKIPPED));
        Path out = TestVms.REPO.resolve("target/host-crash-trials.txt");
        Files.write(out, lines);
        lines.forEach(System.out::println);
    }

    private static synchronized HostCrash.Target embedded() {
        if (embedded == null) {
            Path spec = TestVms.writeDemoSpec("crash");
            EmbeddedVm vm = TestVms.vm(spec);
            TestVms.lab().freshStart(vm);
            embedded = new HostCrash.Embedded(vm, TestVms.nameOf(spec));
        }
        return embedded;
    }

    private static synchronized HostCrash.Target libvirt() {
        if (libvirt == null) {
            LibvirtLab.DemoDomain d = LibvirtTestLab.newDomain("lvcrash", 0);
            Cli.Run start = Cli.run("vm", "start", "--connect", d.host().uri(), d.spec().toString());
            if (start.exit() != 0) {
                throw new AssertionError("vm start: " + start.stderr());
            }
            libvirt = new HostCrash.Libvirt(d);
        }
        return libvirt;
    }
}
