package org.bgreboot.reboot;

import java.util.Arrays;
import java.util.List;

/**
 * The steps of a reboot, in the order they act. Each is journaled before it acts, and each is
 * safe to run again: recovery replays the one that was under way and those after it (past the
 * point of no return), or undoes it and those before it. The last four belong to in-place reboots,
 * which have no clone.
 */
public enum Step {
    PLAN(Phase.PREPARE),
    /** FG's scratch layers made and opened, while FG runs. */
    PREPARE_CLONE(Phase.CLONE),
    /** Freeze, cut the clone point, thaw: FG's only pause. */
    CUT(Phase.CLONE),
    CLONE_DISKS(Phase.CLONE),
    LAUNCH_CLONE(Phase.BG_BOOT),
    AWAIT_READY(Phase.READY),
    /**
     * The clone takes the network while FG still runs and still has the disk: new clients reach the
     * clone at once (what needs no disk is answered, writes fail fast until the disk is mounted),
     * and FG answers what it had already accepted, writes included, before anything is frozen.
     * With FG stopped first, whatever a client sent between FG's end and the clone's link went
     * nowhere, and the client waited out TCP's 1-s retry (on a bridge nearly always); with the disk
     * frozen first, a write FG had accepted hung until its client gave up. Undone by giving the
     * network back to FG.
     */
    TAKE_NETWORK(Phase.SWITCH),
    /** FG lets go of the persistent disk; FG still answers what does not need it. */
    RELEASE(Phase.SWITCH),
    /** FG is stopped for good: the point of no return. From here on the switch is only completed. */
    STOP_FG(Phase.SWITCH),
    /** The paper-faithful switch only: the clone saved whole and loaded into a fresh instance, which then takes the network. */
    RESTORE_CLONE(Phase.SWITCH),
    PLUG_DISK(Phase.SWITCH),
    ATTACH(Phase.SWITCH),
    PROMOTE(Phase.SWITCH),
    RETIRE(Phase.DONE),

    GUEST_REBOOT(Phase.SWITCH),
    KEXEC(Phase.SWITCH),
    POWER_OFF(Phase.SWITCH),
    COLD_START(Phase.SWITCH);

    private final Phase phase;

    Step(Phase phase) {
        this.phase = phase;
    }

    public Phase phase() {
        return phase;
    }

    public boolean inPlace() {
        return ordinal() >= GUEST_REBOOT.ordinal();
    }

    /** Past FG's stop, a background reboot can only go forward. */
    public boolean pastPointOfNoReturn() {
        return !inPlace() && ordinal() >= STOP_FG.ordinal();
    }

    /** The background reboot's steps from {@code first} to the end, in order. */
    static List<Step> from(Step first) {
        return Arrays.stream(values()).filter(s -> !s.inPlace() && s.ordinal() >= first.ordinal()).toList();
    }

    /** The background reboot's steps from {@code last} back to the start, in the order they are undone. */
    static List<Step> backFrom(Step last) {
        return Arrays.stream(values()).filter(s -> !s.inPlace() && s.ordinal() <= last.ordinal())
                .sorted((a, b) -> b.ordinal() - a.ordinal()).toList();
    }
}
