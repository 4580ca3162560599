package org.bgreboot.keep;

import java.util.Optional;

/**
 * One service a guest names in /etc/bgreboot/keep.d, as {@code bgreboot-keep list} sees it now.
 *
 * @param setup     its unit starts through bgreboot-keep (setup's drop-in is in place)
 * @param active    the unit's state ({@code active}, {@code inactive}...)
 * @param underKeep its running main process was started through that drop-in (in an IPC namespace
 *                  of its own, which a dump needs): false for one running since before its setup
 * @param criu      CRIU is installed in the guest
 * @param problem   why the entry cannot be read at all (no UNIT=)
 */
public record KeptUnit(String name, String unit, String ports, boolean setup, String active, long mainPid, boolean underKeep, boolean criu,
                       Optional<String> problem) {

    /** Why a switch now could not carry it; empty when it could. */
    public Optional<String> whyNot() {
        if (problem.isPresent()) {
            return problem;
        }
        if (!criu) {
            return Optional.of("criu is not installed in the guest: run 'bgreboot guest install --keep-state'");
        }
        if (!setup) {
            return Optional.of(unit + " is not set up: run 'bgreboot-keep setup --restart " + name + "' in the guest");
        }
        if (!active.equals("active")) {
            return Optional.of(unit + " is " + active + ": there is nothing to keep");
        }
        if (!underKeep) {
            return Optional.of(unit + " runs since before its setup: restart it once ('systemctl restart " + unit + "' in the guest)");
        }
        return Optional.empty();
    }
}
