package org.bgreboot.output;

import java.util.List;
import java.util.Optional;
import org.bgreboot.reboot.KeptService;
import org.bgreboot.reboot.KeptState;

/**
 * What keeping state ({@code reboot --keep-state}) did, per service the guest names: kept (restored
 * in the new VM), restarted (and why), ran on in the old VM (an abort), or unknown.
 *
 * @param note what holds for every service (user networking: state kept, connections not); null when nothing does
 */
public record KeptStateJson(List<Service> services, Optional<String> note) {

    public static KeptStateJson of(KeptState k) {
        return new KeptStateJson(k.services().stream().map(Service::of).toList(), k.note());
    }

    /**
     * One service (ms and bytes; null where that part did not happen).
     *
     * @param reason          why it was not kept; null when it was
     * @param preDumpFrozenMs how long the pre-dumps held it frozen, together, while the clone booted
     * @param dumpFrozenMs    how long the final dump held it frozen, inside the switch
     * @param pid             the restored main process in the new VM (its pid in the old one); null unless kept
     * @param heldSegments    the clients' segments the new VM held for it until the restore; null when they were dropped
     */
    public record Service(String name, String unit, KeptService.Fate fate, Optional<String> reason, boolean connectionsKept, int preDumps,
                          double preDumpFrozenMs, long preDumpBytes, double dumpMs, double dumpFrozenMs, long dumpBytes, double restoreMs,
                          Optional<Long> pid, Optional<Integer> heldSegments) {

        public static Service of(KeptService s) {
            return new Service(s.name(), s.unit(), s.fate(), s.reason(), s.connectionsKept(), s.preDumps(), Figures.ms(s.preDumpFrozenMs()),
                    s.preDumpBytes(), Figures.ms(s.dumpMs()), Figures.ms(s.dumpFrozenMs()), s.dumpBytes(), Figures.ms(s.restoreMs()),
                    Optional.of(s.pid()).filter(p -> p > 0),
                    s.heldSegments().isPresent() ? Optional.of(s.heldSegments().getAsInt()) : Optional.empty());
        }
    }
}
