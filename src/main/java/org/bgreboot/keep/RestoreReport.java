package org.bgreboot.keep;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the new VM's {@code bgreboot-keep status} says of one service after the attach: restored
 * from its images, started as usual because the restore failed or timed out, or not restored
 * because its dump had failed in the old VM.
 *
 * @param ms   how long the restore took (or the failed attempt)
 * @param pid  the restored main process (0 unless restored)
 * @param held the clients' segments the guard held for the kept ports until the restore and then
 *             let through; empty when it held none because it dropped them (no holder)
 */
public record RestoreReport(String service, Kind kind, double ms, long pid, Optional<String> reason, OptionalInt held) {
    public enum Kind { RESTORED, RESTORE_FAILED, DUMP_FAILED }
}
