package org.bgreboot.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.watch.HeldReboot;
import org.bgreboot.watch.RoundReport;
import org.bgreboot.watch.VmAnswer;
import org.bgreboot.fleet.FleetPlan;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.OnFailure;
import org.bgreboot.fleet.PlannedVm;
import org.bgreboot.fleet.VmFigures;
import org.bgreboot.fleet.VmProgress;
import org.bgreboot.installed.NeedsReboot;
import org.bgreboot.output.OutcomeFields;
import org.bgreboot.output.OutputJson;
import org.bgreboot.output.Schemas;
import org.bgreboot.reboot.Outcome;
import org.junit.jupiter.api.Test;

/** A watch round's --json and the watch demo's, as records, against docs/schema/watch.schema.json; and the demo reading a round back. */
class WatchJsonTest {
    private static final NeedsReboot FLAGGED = new NeedsReboot(true, "6.1.0-50", Optional.of("6.1.0-57"), true, List.of("linux-image-6.1.0-57"),
            List.of("/run/reboot-required (linux-image-6.1.0-57)"));

    private static RoundReport round() {
        VmFigures.Clients seen = new VmFigures.Clients(47, 60, 9000, 781, 0, "v1", "v2", "k1", "k2", 8900, 8947, java.util.Optional.empty());
        VmFigures f = new VmFigures(OutcomeFields.of(new Outcome.Switched()), false, 20, 8000, 300, 1, 0, 9500, 1000, 8700, 9000,
                Optional.empty(), Optional.of(seen));
        VmProgress rolled = new VmProgress("watch-1", "qemu:///h1", VmProgress.State.SWITCHED, "serves generation 1", 0, Optional.of(f));
        FleetPlan plan = new FleetPlan("fleet-x", List.of("qemu:///h1"), List.of(new PlannedVm("watch-1", "qemu:///h1", 0, 1L << 29)), 1, 1,
                OnFailure.STOP, true);
        FleetReport report = new FleetReport(plan, List.of(rolled), List.of(new FleetReport.HostState("qemu:///h1", true, 1)), 25_000,
                Path.of("/var/lib/bgreboot/fleet/fleet-x.json"));
        Map<String, Optional<HeldReboot>> held = new LinkedHashMap<>();
        held.put("watch-1", Optional.empty());
        held.put("watch-2", Optional.empty());
        return new RoundReport(Instant.parse("2026-12-06T02:00:00Z"), Instant.parse("2026-12-06T02:01:00Z"), true,
                List.of(VmAnswer.of("watch-1", "qemu:///h1", FLAGGED), new VmAnswer("watch-2", "qemu:///h1", Optional.empty(), "the agent does not answer")),
                held, List.of(), Map.of("qemu:///h1", Optional.of("watch pid 42 on host1")), Optional.of(report), false, List.of(), false);
    }

    @Test
    void aRoundIsWhatItsSchemaSays() {
        Schemas.assertValid("watch", round().json());
        Schemas.assertValid("watch", new RoundReport(Instant.EPOCH, Instant.EPOCH, false, List.of(), Map.of(), List.of("qemu:///h2"),
                Map.of("qemu:///h2", Optional.empty()), Optional.empty(), false, List.of("outside every window"), true).json());
    }

    /** The demo reads the round the watch process wrote as a client would: typed, by the names the schema gives. */
    @Test
    void theDemoReadsARoundBackAndItsOwnJsonIsWhatTheSchemaSays() {
        WatchDemoReport.Round r = WatchDemoReport.Round.parse(OutputJson.bytes(round().json()));
        assertThat(r.asked("watch-1").flatMap(WatchDemoReport.Asked::needsReboot)).contains(true);
        assertThat(r.rolled("watch-1").map(WatchDemoReport.Rolled::result)).contains("switched");
        assertThat(r.rolled("watch-1").flatMap(WatchDemoReport.Rolled::downtimeMs)).contains(47.0);
        WatchDemoReport demo = new WatchDemoReport(List.of("watch-1", "watch-2"), List.of("watch-1"),
                Map.of("watch-1", new WatchDemoReport.Service("v1", "k1", "b1"), "watch-2", new WatchDemoReport.Service("v1", "k1", "b2")),
                Map.of("watch-1", new WatchDemoReport.Service("v2", "k2", "b3"), "watch-2", new WatchDemoReport.Service("v1", "k1", "b2")), r,
                List.of(new WatchDemoReport.Event("start", Optional.of("watch-1"), "qemu:///h1", "t", Optional.empty()),
                        new WatchDemoReport.Event("switched", Optional.of("watch-1"), "qemu:///h1", "t", Optional.of("switched"))),
                new WatchDemoReport.Prometheus("127.0.0.1:16750", Map.of("counter", "q"), Map.of("switched", 1.0), Map.of("prober", 1.0),
                        Map.of("prober", 0.047), Map.of("0.05", 1.0, "+Inf", 1.0), 12), 0, List.of());
        assertThat(demo.problems()).isEmpty();
        Schemas.assertValid("watch", demo.json());
    }
}
