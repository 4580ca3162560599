package org.bgreboot.experiment.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bgreboot.experiment.bench.BenchFixtures.failed;
import static org.bgreboot.experiment.bench.BenchFixtures.ok;
import static org.bgreboot.experiment.bench.BenchFixtures.plan;
import static org.bgreboot.experiment.bench.BenchFixtures.result;

import java.util.List;
import java.util.Optional;
import org.bgreboot.render.Table;
import org.junit.jupiter.api.Test;

import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchResult;
import org.bgreboot.experiment.bench.BenchTable;
class BenchTableTest {
    private static final List<BenchMethod> THREE = List.of(BenchMethod.NORMAL, BenchMethod.BACKGROUND, BenchMethod.RESTORE);

    private static BenchResult sample() {
        return result(plan(THREE, 3, "768M", "128M"), List.of(
                ok(128, BenchMethod.NORMAL, 1, 7000, Double.NaN, 0),
                ok(128, BenchMethod.NORMAL, 2, 8000, Double.NaN, 0),
                ok(128, BenchMethod.NORMAL, 3, 7500, Double.NaN, 0),
                ok(128, BenchMethod.BACKGROUND, 1, 100, 200, 0),
                ok(128, BenchMethod.BACKGROUND, 2, 150, 220, 0),
                ok(128, BenchMethod.BACKGROUND, 3, 120, 210, 0),
                ok(128, BenchMethod.RESTORE, 1, 900, 1000, 0),
                failed(128, BenchMethod.RESTORE, 2, "boom"),
                ok(128, BenchMethod.RESTORE, 3, 1100, 1200, 0),
                ok(768, BenchMethod.NORMAL, 1, 9000, Double.NaN, 0),
                ok(768, BenchMethod.BACKGROUND, 1, 300, 250, 2),
                failed(768, BenchMethod.RESTORE, 1, "not implemented")), Optional.empty());
    }

    @Test
    void columnsFollowThePaperWithOursAdded() {
        Table t = BenchTable.of(sample());
        assertThat(t.columns()).containsExactly("guest", "memory", "normal reboot downtime", "kexec downtime",
                "background downtime (handover)", "background downtime (restore)", "switch (handover)", "switch (restore)",
                "FG pause", "clone boot", "background / normal", "acked writes lost");
    }

    @Test
    void oneRowPerMemorySizeSmallFirstWithMediansAndRanges() {
        List<List<String>> rows = BenchTable.of(sample()).rows();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).containsExactly("tiny", "128M", "7.5 s (7.0–8.0)", "–", "120 ms (100–150)",
                "1.0 s (0.9–1.1), 1/3 failed", "210 ms (200–220)", "1.1 s (1.0–1.2), 1/3 failed", "13 ms", "9.0 s", "1.60 %", "0 (1 unchecked)");
        assertThat(rows.get(1)).containsExactly("tiny", "768M", "9.0 s", "–", "300 ms", "1/1 failed", "250 ms", "1/1 failed",
                "13 ms", "9.0 s", "3.33 %", "2 (1 unchecked)");
    }

    @Test
    void aMethodNotInThePlanIsADash() {
        BenchResult r = result(plan(List.of(BenchMethod.BACKGROUND), 1, "256M"), List.of(ok(256, BenchMethod.BACKGROUND, 1, 100, 200, 0)),
                Optional.empty());
        assertThat(BenchTable.of(r).rows().get(0)).containsExactly("tiny", "256M", "–", "–", "100 ms", "–", "200 ms", "–", "13 ms", "9.0 s", "–", "0");
    }

    @Test
    void thePartsTableSplitsTheBackgroundDowntime() {
        Table parts = BenchTable.parts(sample());
        assertThat(parts.columns()).containsExactly("guest", "memory", "background downtime (handover)", "old OS's last answer to the move",
                "network move", "to the clone's first answer", "failed probes", "slowest probe");
        assertThat(parts.rows().get(0)).containsExactly("tiny", "128M", "120 ms (100–150)", "5 ms", "20 ms", "95 ms (75–125)", "3 timeout", "40 ms");
        assertThat(BenchTable.markdown(sample())).contains("The background downtime by its parts");
    }

    @Test
    void oneRowPerGuestAndMemoryInTheGuestsOrder() {
        BenchResult r = result(new BenchPlan(List.of("debian13", "debian11"), List.of(org.bgreboot.spec.ByteSize.parse("256M")),
                List.of(BenchMethod.NORMAL, BenchMethod.BACKGROUND), 1, false, 15), List.of(
                BenchFixtures.of("debian13", 256, BenchMethod.NORMAL, 1, 20_000, Double.NaN),
                BenchFixtures.of("debian13", 256, BenchMethod.BACKGROUND, 1, 100, 150),
                BenchFixtures.of("debian11", 256, BenchMethod.NORMAL, 1, 30_000, Double.NaN),
                BenchFixtures.of("debian11", 256, BenchMethod.BACKGROUND, 1, 90, 140)), Optional.empty());
        List<List<String>> rows = BenchTable.of(r).rows();
        assertThat(rows).extracting(row -> row.get(0) + " " + row.get(2) + " " + row.get(4) + " " + row.get(10))
                .containsExactly("debian13 20.0 s 100 ms 0.50 %", "debian11 30.0 s 90 ms 0.30 %");
    }

    @Test
    void ratiosOfTenPercentAndMoreNeedNoDecimals() {
        assertThat(BenchTable.percent(0.0123)).isEqualTo("1.23 %");
        assertThat(BenchTable.percent(0.456)).isEqualTo("46 %");
        assertThat(BenchTable.percent(Double.NaN)).isEqualTo("–");
    }

    @Test
    void markdownQuotesTheCommandMachineAndProblems() {
        String md = BenchTable.markdown(sample());
        assertThat(md).contains("`bgreboot bench --guest tiny --memory 128M,768M --repeat 3 --methods normal,background,restore --no-interference`")
                .contains("2 CPUs (test CPU)").contains("QEMU emulator version 7.2.22").contains("accelerator tcg")
                .contains("| guest | memory | normal reboot downtime |")
                .contains("| tiny | 128M | 7.5 s (7.0–8.0) |")
                .contains("- tiny 768M background #1 lost 2 acknowledged writes")
                .contains("- tiny 128M restore #2 failed: boom");
    }
}
