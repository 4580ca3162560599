package org.bgreboot.measure;

import java.util.List;

/**
 * The ledger against the acknowledged writes. {@code missingAcked} is the one that matters: an
 * acknowledged write not on the disk is a lost write. The ledger may hold numbers never acknowledged
 * (fsynced, then the answer was lost in the switch): that is fine. {@code consecutive} says the
 * ledger is exactly 1..N once each; {@code gaps}, {@code duplicates}, {@code outOfOrder} (a number
 * written after a larger one) and {@code badLines} say why not.
 */
public record LedgerCheckResult(int ackedCount, int ledgerCount, List<Long> missingAcked,
                                boolean consecutive, List<SeqRange> gaps, List<Long> duplicates,
                                List<Long> outOfOrder, List<String> badLines) {

    public LedgerCheckResult {
        missingAcked = List.copyOf(missingAcked);
        gaps = List.copyOf(gaps);
        duplicates = List.copyOf(duplicates);
        outOfOrder = List.copyOf(outOfOrder);
        badLines = List.copyOf(badLines);
    }

    public boolean noAckedWriteLost() {
        return missingAcked.isEmpty();
    }
}
