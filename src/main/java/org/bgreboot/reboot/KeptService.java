package org.bgreboot.reboot;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What keeping state really did for one service a guest names: carried across the switch (its
 * processes restored in the new VM, with its memory, and with its clients' connections where the
 * network carries them), or restarted (stopped or frozen in the old VM, started anew in the new
 * one, as without keeping state) and why. Times are ms, sizes bytes; NaN or 0 where that part did
 * not happen.
 *
 * @param connectionsKept its clients' TCP connections survived (kept, and on a bridged network)
 * @param preDumps        pre-dumps that succeeded while the clone booted
 * @param preDumpFrozenMs how long they held the service frozen, together (clients see it as stalls)
 * @param dumpFrozenMs    how long the final dump held it frozen, inside the switch
 * @param restoreMs       the restore in the new VM (or the failed attempt before the usual start)
 * @param pid             the restored main process in the new VM (the same pid as in the old one)
 * @param heldSegments    what its clients sent between the network's move and the restore, held by the new VM's guard
 *                        and let through to the restored connections; empty when the guard dropped it (they retransmit)
 */
public record KeptService(String name, String unit, Fate fate, Optional<String> reason, boolean connectionsKept, int preDumps,
                          double preDumpFrozenMs, long preDumpBytes, double dumpMs, double dumpFrozenMs, long dumpBytes, double restoreMs,
                          long pid, OptionalInt heldSegments) {

    public enum Fate {
        /** Restored in the new VM from the old one's images. */
        KEPT,
        /** Started anew in the new VM: the restart path. */
        RESTARTED,
        /** The reboot was aborted: the service ran on in the old VM (resumed, if it had been dumped). */
        RAN_ON,
        /** What became of it could not be asked (the new VM's agent did not answer). */
        UNKNOWN;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One line for people. */
    public String describe() {
        return switch (fate) {
            case KEPT -> String.format("%s kept%s: dump %.1f s (frozen %.1f s, %.1f MB), restore %.1f s, pid %d; %s", name,
                    connectionsKept ? "" : " without its connections", dumpMs / 1000, dumpFrozenMs / 1000, dumpBytes / 1e6, restoreMs / 1000, pid,
                    heldSegments.isPresent() ? heldSegments.getAsInt() + " segment(s) held for it until then" : "its ports dropped until then");
            case RESTARTED -> name + " restarted: " + reason.orElse("");
            case RAN_ON -> name + " ran on in the old VM: " + reason.orElse("");
            case UNKNOWN -> name + ": unknown (" + reason.orElse("") + ")";
        };
    }
}
