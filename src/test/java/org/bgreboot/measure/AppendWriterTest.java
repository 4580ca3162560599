package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bgreboot.measure.FakeService.Mode;
import org.junit.jupiter.api.Test;

class AppendWriterTest {

    @Test
    void keepsWritingThroughASwitchAndEveryAckIsInTheLedger() throws Exception {
        RunClock clock = RunClock.start();
        try (FakeService service = new FakeService()) {
            WriteLog writes;
            double backAt;
            try (AppendWriter writer = new AppendWriter(service.base(), clock)) {
                writer.start();
                Thread.sleep(300);
                service.mode(Mode.DISK_DETACHED);
                Thread.sleep(400);
                service.mode(Mode.DOWN);
                Thread.sleep(400);
                service.mode(Mode.V2);
                backAt = clock.nowMs();
                Thread.sleep(300);
                writes = writer.stop();
            }

            assertThat(writes.acks()).hasSizeGreaterThan(5);
            assertThat(writes.ackedSeqs()).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
            assertThat(writes.failures()).anySatisfy(f -> assertThat(f.httpStatus()).isEqualTo(503));
            assertThat(writes.failures()).anySatisfy(f -> {
                assertThat(f.httpStatus()).isZero();
                assertThat(f.error()).isNotBlank();
            });
            assertThat(writes.maxAckGapMs()).isGreaterThan(400);
            // Writes resumed after the switch.
            assertThat(writes.acks().get(writes.acks().size() - 1).atMs()).isGreaterThan(backAt);

            String ledger = LedgerCheck.fetch(service.base(), Duration.ofSeconds(2));
            Set<Long> onDisk = new HashSet<>();
            ledger.lines().forEach(l -> onDisk.add(Long.parseLong(l)));
            assertThat(onDisk).containsAll(writes.ackedSeqs());

            LedgerCheckResult ok = LedgerCheck.check(writes, ledger);
            assertThat(ok.ackedCount()).isEqualTo(writes.acks().size());
            assertThat(ok.missingAcked()).isEmpty();
            assertThat(ok.noAckedWriteLost()).isTrue();
            assertThat(ok.consecutive()).isTrue();

            long lost = writes.acks().get(writes.acks().size() / 2).seq();
            service.dropFromLedger(lost);
            LedgerCheckResult bad = LedgerCheck.check(writes, LedgerCheck.fetch(service.base(), Duration.ofSeconds(2)));
            assertThat(bad.missingAcked()).containsExactly(lost);
            assertThat(bad.consecutive()).isFalse();
            assertThat(bad.gaps()).containsExactly(new SeqRange(lost, lost));
        }
    }

    @Test
    void stopBeforeStartGivesAnEmptyLog() {
        AppendWriter writer = new AppendWriter(java.net.URI.create("http://127.0.0.1:9"), RunClock.start());
        assertThat(writer.stop()).isEqualTo(new WriteLog(List.of(), List.of()));
    }
}
