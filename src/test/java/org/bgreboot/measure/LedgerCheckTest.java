package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerCheckTest {

    private static WriteLog acked(long... seqs) {
        List<Ack> acks = new java.util.ArrayList<>();
        for (long s : seqs) acks.add(new Ack(s, s * 10.0));
        return new WriteLog(acks, List.of());
    }

    @Test
    void aCompleteLedgerPasses() {
        LedgerCheckResult r = LedgerCheck.check(acked(1, 2, 3), "1\n2\n3\n4\n");
        assertThat(r.ackedCount()).isEqualTo(3);
        assertThat(r.ledgerCount()).isEqualTo(4); // 4 was fsynced but its answer lost: in doubt, fine
        assertThat(r.missingAcked()).isEmpty();
        assertThat(r.consecutive()).isTrue();
        assertThat(r.gaps()).isEmpty();
    }

    @Test
    void anAcknowledgedWriteMissingFromTheLedgerIsLost() {
        LedgerCheckResult r = LedgerCheck.check(acked(1, 2, 3, 4, 5), "1\n2\n4\n");
        assertThat(r.missingAcked()).containsExactly(3L, 5L);
        assertThat(r.noAckedWriteLost()).isFalse();
        assertThat(r.gaps()).containsExactly(new SeqRange(3, 3));
        assertThat(r.consecutive()).isFalse();
    }

    @Test
    void listsGapsDuplicatesDisorderAndJunk() {
        LedgerCheckResult r = LedgerCheck.check(acked(), "2\n3\n3\n7\n5\nfoo\n\n");
        assertThat(r.gaps()).containsExactly(new SeqRange(1, 1), new SeqRange(4, 4), new SeqRange(6, 6));
        assertThat(r.duplicates()).containsExactly(3L);
        assertThat(r.outOfOrder()).containsExactly(5L);
        assertThat(r.badLines()).containsExactly("foo");
        assertThat(r.consecutive()).isFalse();
        assertThat(r.gaps().get(0).toString()).isEqualTo("1");
        assertThat(new SeqRange(4, 9).toString()).isEqualTo("4..9");
    }

    @Test
    void anEmptyLedgerIsConsecutiveButLosesEveryAck() {
        LedgerCheckResult r = LedgerCheck.check(acked(1, 2), "");
        assertThat(r.consecutive()).isTrue();
        assertThat(r.missingAcked()).containsExactly(1L, 2L);
    }

    @Test
    void toleratesCarriageReturnsAndSpaces() {
        assertThat(LedgerCheck.check(acked(1, 2), " 1\r\n2 \r\n").consecutive()).isTrue();
    }
}
