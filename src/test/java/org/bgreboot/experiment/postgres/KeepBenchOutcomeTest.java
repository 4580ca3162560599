package org.bgreboot.experiment.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.output.Schemas;
import org.bgreboot.reboot.KeptService;
import org.bgreboot.reboot.KeptState;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Span;
import org.bgreboot.reboot.SwitchMode;
import org.junit.jupiter.api.Test;

/**
 * The keep-state bench reports what ran: a reboot that asked to keep PostgreSQL's state and fell
 * back is a restart with its reason, never counted as kept; commit gaps and broken connections
 * come from pgbench's own log, per reboot window.
 */
class KeepBenchOutcomeTest {

    /** A commit every 100 ms from 0 to 60 s, but none in the holes given (start, end ms). */
    private static List<PgbenchWorkload.Commit> commits(double[][] holes) {
        List<PgbenchWorkload.Commit> c = new ArrayList<>();
        int seq = 0;
        outer:
        for (double t = 0; t < 60_000; t += 100) {
            for (double[] h : holes) {
                if (t > h[0] && t < h[1]) {
                    continue outer;
                }
            }
            c.add(new PgbenchWorkload.Commit(1, 0, ++seq, t, 5));
        }
        return c;
    }

    private static RebootResult reboot(Method m, double start, double end, Optional<KeptState> kept) {
        Map<Span, Span.Interval> spans = new EnumMap<>(Span.class);
        if (m == Method.BACKGROUND) {
            spans.put(Span.BG_BOOT, new Span.Interval(start + 100, end - 2000));
            spans.put(Span.SWITCH, new Span.Interval(end - 1900, end - 100));
        }
        return new RebootResult("bench-pgkeep", "embedded", m, SwitchMode.HANDOVER, m == Method.BACKGROUND ? new Outcome.Switched() : new Outcome.Rebooted(),
                0, start, end, List.of(), spans, 1, 1, Optional.empty(), Optional.empty(), Optional.empty(), kept);
    }

    private static Optional<KeptState> kept(KeptService.Fate fate, String reason) {
        boolean k = fate == KeptService.Fate.KEPT;
        return Optional.of(new KeptState(List.of(new KeptService("postgresql", "postgresql@15-main.service", fate, Optional.ofNullable(reason), k, 2, 2100,
                23_800_000, k ? 6600 : Double.NaN, k ? 4100 : Double.NaN, k ? 20_800_000 : 0, k ? 3700 : Double.NaN, k ? 2308894 : 0,
                k ? java.util.OptionalInt.of(3) : java.util.OptionalInt.empty())), Optional.empty()));
    }

    @Test
    void aKeptRebootAndOneThatFellBackAreReportedAsWhatRan() {
        // holes: normal 5-15 s, restart 20-23 s, kept 30-32 s, keep that fell back 40-43 s
        List<PgbenchWorkload.Commit> log = commits(new double[][] {{5000, 15000}, {20000, 23000}, {30000, 32000}, {40000, 43000}});
        List<PgbenchWorkload.Run> runs = List.of(
                new PgbenchWorkload.Run(1, 0, 5100, 2, 2, false),      // the normal reboot broke both clients
                new PgbenchWorkload.Run(2, 15000, 20100, 2, 2, false), // the restart path broke both
                new PgbenchWorkload.Run(3, 23000, 40100, 2, 2, false), // the kept one did not; the fallback did
                new PgbenchWorkload.Run(4, 43000, 60000, 0, 0, true));
        PgbenchWorkload.Result seen = new PgbenchWorkload.Result(log, 4, Set.of(), 0, runs);
        List<KeptReboot> reboots = List.of(
                KeptReboot.of(reboot(Method.NORMAL, 4000, 16000, Optional.empty()), false, seen, 2000, "k2"),
                KeptReboot.of(reboot(Method.BACKGROUND, 17000, 24000, Optional.empty()), false, seen, 2000, "k2"),
                KeptReboot.of(reboot(Method.BACKGROUND, 27000, 33000, kept(KeptService.Fate.KEPT, null)), true, seen, 2000, "k2"),
                KeptReboot.of(reboot(Method.BACKGROUND, 37000, 44000, kept(KeptService.Fate.RESTARTED,
                        "the restore failed, so it was started as usual: criu restore: Can't map vma")), true, seen, 2000, "k2"));
        KeepBenchOutcome o = new KeepBenchOutcome("bench-pgkeep", "bgrnkep-br", reboots, log.size(), 4, 0, List.of(), 0);

        assertThat(reboots).extracting(KeptReboot::label)
                .containsExactly("normal", "background, restart", "background, kept", "background, restart (keeping failed)");
        assertThat(reboots).extracting(KeptReboot::connectionsBroken).containsExactly(2, 2, 0, 2);
        assertThat(reboots.get(2).pg().commitGapMs()).isEqualTo(2000, org.assertj.core.data.Offset.offset(1.0));
        assertThat(o.medianGapMs(true)).as("only the kept reboot counts as kept").isEqualTo(2000, org.assertj.core.data.Offset.offset(1.0));
        assertThat(o.medianGapMs(false)).as("the restart path and the fallback").isEqualTo(3000, org.assertj.core.data.Offset.offset(1.0));

        String table = o.table();
        assertThat(table).contains("background, kept").contains("6600 ms (4100 ms), 20.8 MB").contains("2 × 1050 ms")
                .contains("background, restart (keeping failed): postgresql restarted: the restore failed");
        JsonNode json = Schemas.assertValid("bench", o.json());
        assertThat(json.get("keep_state").asBoolean()).isTrue();
        JsonNode kept = json.get("reboots").get(2);
        assertThat(kept.get("what_ran").asText()).isEqualTo("kept");
        assertThat(kept.get("outcome").asText()).isEqualTo("switched");
        assertThat(kept.get("connections_broken").asInt()).isZero();
        assertThat(kept.get("kept").get("fate").asText()).isEqualTo("kept");
        assertThat(kept.get("kept").get("dump_bytes").asLong()).isEqualTo(20_800_000L);
        assertThat(kept.get("kept").get("pid").asLong()).isEqualTo(2308894L);
        assertThat(kept.get("kept").get("held_segments").asInt()).as("what the guard held for the clients").isEqualTo(3);
        JsonNode fellBack = json.get("reboots").get(3);
        assertThat(fellBack.get("what_ran").asText()).isEqualTo("restart_after_keep_failed");
        assertThat(fellBack.get("keep_state").asBoolean()).isTrue();
        assertThat(fellBack.get("connections_broken").asInt()).isEqualTo(2);
        assertThat(fellBack.get("kept").get("fate").asText()).isEqualTo("restarted");
        assertThat(fellBack.get("kept").get("dump_bytes").asLong()).isZero();
        assertThat(fellBack.get("kept").get("reason").asText()).contains("criu restore");
        assertThat(json.get("reboots").get(1).get("kept").isNull()).as("not asked").isTrue();
        assertThat(json.get("kept_median_commit_gap_ms").asDouble()).isEqualTo(2000.0);
        assertThat(o.problems()).as("a keep that fell back is no clean result of keeping")
                .containsExactly("reboot 4 asked to keep PostgreSQL's state and ran as background, restart (keeping failed): "
                        + "the restore failed, so it was started as usual: criu restore: Can't map vma");
    }
}
