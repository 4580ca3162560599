package org.bgreboot.measure;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/** Compares the ledger read back from the persistent disk with what the writer saw acknowledged. */
public final class LedgerCheck {

    private LedgerCheck() {}

    /** Reads {@code GET /ledger} from the service (fresh connection, like the writer). */
    public static String fetch(URI base, Duration timeout) throws IOException {
        RawHttp.Response r = RawHttp.get(base.resolve("/ledger"), timeout);
        if (r.status() != 200) throw new IOException("GET /ledger answered HTTP " + r.status());
        return r.body();
    }

    public static LedgerCheckResult check(WriteLog writes, String ledgerBody) {
        TreeMap<Long, Integer> counts = new TreeMap<>();
        List<String> badLines = new ArrayList<>();
        List<Long> outOfOrder = new ArrayList<>();
        long highest = Long.MIN_VALUE;
        int ledgerCount = 0;
        for (String line : ledgerBody.split("\n")) {
            String t = line.strip();
            if (t.isEmpty()) continue;
            try {
                long seq = Long.parseLong(t);
                if (seq < highest) outOfOrder.add(seq);
                highest = Math.max(highest, seq);
                counts.merge(seq, 1, Integer::sum);
                ledgerCount++;
            } catch (NumberFormatException e) {
                badLines.add(t);
            }
        }

        List<Long> missing = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (Ack ack : writes.acks()) {
            if (seen.add(ack.seq()) && !counts.containsKey(ack.seq())) missing.add(ack.seq());
        }

        List<Long> duplicates = new ArrayList<>();
        List<SeqRange> gaps = new ArrayList<>();
        long expected = 1;
        for (var e : counts.entrySet()) {
            long seq = e.getKey();
            if (e.getValue() > 1) duplicates.add(seq);
            if (seq > expected) gaps.add(new SeqRange(expected, seq - 1));
            expected = Math.max(expected, seq + 1);
        }
        // Numbers below 1 are not part of 1..N either.
        boolean outOfRange = !counts.isEmpty() && counts.firstKey() < 1;
        boolean consecutive = gaps.isEmpty() && duplicates.isEmpty() && badLines.isEmpty()
                && outOfOrder.isEmpty() && !outOfRange;
        return new LedgerCheckResult(writes.acks().size(), ledgerCount, missing, consecutive, gaps, duplicates,
                outOfOrder, badLines);
    }
}
