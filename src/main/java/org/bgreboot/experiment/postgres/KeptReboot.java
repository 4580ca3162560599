package org.bgreboot.experiment.postgres;

import java.util.Optional;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.reboot.KeptService;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootResult;

/**
 * One reboot of the keep-state bench as pgbench saw it: the common figures (commit gap, TPS before
 * and after), whether the reboot asked to keep PostgreSQL's state and what became of it (kept, or
 * restarted and why), and how many pgbench connections the server broke during it. A reboot that
 * asked to keep state and fell back to the restart path is reported as what ran, never as kept.
 *
 * @param keepAsked          the reboot ran with {@code --keep-state}
 * @param kept               what keeping state did for PostgreSQL (empty when not asked)
 * @param connectionsBroken  pgbench clients whose connection the server broke, from the reboot's start to the window after it
 * @param pgbenchStarted     new pgbench processes in that time (each one after a lost connection)
 */
public record KeptReboot(PostgresReboot pg, boolean keepAsked, Optional<KeptService> kept, int connectionsBroken, long pgbenchStarted,
                         String outcome, String kernelAfter) {

    static KeptReboot of(RebootResult r, boolean keepAsked, PgbenchWorkload.Result seen, long windowMs, String kernelAfter) {
        Optional<KeptService> k = r.keptState().flatMap(s -> s.services().stream().filter(x -> x.name().equals(KeepBench.SERVICE)).findFirst());
        double to = r.endMs() + windowMs;
        return new KeptReboot(PostgresReboot.of(r, seen, windowMs), keepAsked, k, seen.connectionsBroken(r.startMs(), to),
                seen.processesStarted(r.startMs(), to), r.outcome().kind().key(), kernelAfter);
    }

    /** What ran: a normal reboot, the restart path, kept, or the restart path after keeping failed. */
    public String label() {
        if (pg.method() != Method.BACKGROUND) {
            return pg.method().label();
        }
        if (!keepAsked) {
            return "background, restart";
        }
        return kept.map(k -> switch (k.fate()) {
            case KEPT -> k.connectionsKept() ? "background, kept" : "background, kept (connections not)";
            case RESTARTED -> "background, restart (keeping failed)";
            case RAN_ON -> "background, aborted";
            case UNKNOWN -> "background, keep unknown";
        }).orElse("background, keep not reported");
    }

    public boolean isKept() {
        return kept.map(k -> k.fate() == KeptService.Fate.KEPT).orElse(false);
    }
}
