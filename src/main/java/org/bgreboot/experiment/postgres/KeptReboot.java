package org.bgreboot.experiment.postgres;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.Optional;
import org.bgreboot.measure.PgbenchWorkload;
import org.bgreboot.output.KeptStateJson;
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
                         String kernelAfter) {

    /** What ran, as the bench tells it. */
    public enum Ran {
        NORMAL("normal"),
        RESTART("background, restart"),
        KEPT("background, kept"),
        KEPT_WITHOUT_CONNECTIONS("background, kept (connections not)"),
        RESTART_AFTER_KEEP_FAILED("background, restart (keeping failed)"),
        ABORTED("background, aborted"),
        KEEP_UNKNOWN("background, keep unknown"),
        KEEP_NOT_REPORTED("background, keep not reported");

        public final String label;

        Ran(String label) {
            this.label = label;
        }

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static KeptReboot of(RebootResult r, boolean keepAsked, PgbenchWorkload.Result seen, long windowMs, String kernelAfter) {
        Optional<KeptService> k = r.keptState().flatMap(s -> s.services().stream().filter(x -> x.name().equals(KeepBench.SERVICE)).findFirst());
        double to = r.endMs() + windowMs;
        return new KeptReboot(PostgresReboot.of(r, seen, windowMs), keepAsked, k, seen.connectionsBroken(r.startMs(), to),
                seen.processesStarted(r.startMs(), to), kernelAfter);
    }

    /** What ran: a normal reboot, the restart path, kept, or the restart path after keeping failed. */
    public Ran ran() {
        if (pg.method() != Method.BACKGROUND) {
            return Ran.NORMAL;
        }
        if (!keepAsked) {
            return Ran.RESTART;
        }
        return kept.map(k -> switch (k.fate()) {
            case KEPT -> k.connectionsKept() ? Ran.KEPT : Ran.KEPT_WITHOUT_CONNECTIONS;
            case RESTARTED -> Ran.RESTART_AFTER_KEEP_FAILED;
            case RAN_ON -> Ran.ABORTED;
            case UNKNOWN -> Ran.KEEP_UNKNOWN;
        }).orElse(Ran.KEEP_NOT_REPORTED);
    }

    public String label() {
        return ran().label;
    }

    public boolean isKept() {
        return kept.map(k -> k.fate() == KeptService.Fate.KEPT).orElse(false);
    }

    /**
     * One reboot of the keep-state bench in its JSON: the PostgreSQL bench's figures, then what ran.
     *
     * @param keepState the reboot asked to keep PostgreSQL's state
     * @param kept      what keeping state did for PostgreSQL; null when not asked
     */
    public record Json(@JsonUnwrapped PostgresReboot.Json reboot, Ran whatRan, boolean keepState, int connectionsBroken, long pgbenchStarted,
                       Optional<KeptStateJson.Service> kept, String kernelAfter) {}

    Json json(double ofNormal) {
        return new Json(pg.json(ofNormal), ran(), keepAsked, connectionsBroken, pgbenchStarted, kept.map(KeptStateJson.Service::of), kernelAfter);
    }
}
