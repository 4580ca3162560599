package org.bgreboot.cli;

import java.util.Optional;
import org.bgreboot.reboot.Outcome;

/**
 * bgreboot's exit statuses, one per outcome, so a script can tell a switch from a fallback without
 * reading a line of text. Listed in the README and in {@code bgreboot --help} (the top command's
 * exitCodeList, kept equal to this by a test).
 */
enum ExitCode {
    /** The command did what it was asked: for a reboot, the VM serves the update (switched, or rebooted in place). */
    OK(0),
    /** An operation failed unexpectedly (QEMU or libvirt misbehaved); the message says what. */
    FAILED(1),
    /** A mistake in what was asked (a bad spec or option, a VM not running): nothing was changed. */
    USAGE(2),
    /** The reboot was aborted before its point of no return: the VM kept serving, unchanged. */
    ABORTED(3),
    /** The switch failed past its point of no return and the updated disks were cold-booted: the VM serves the update after a boot's downtime. */
    COLD_BOOTED(4),
    /** Nothing serves: the message says what to fix. */
    DOWN(5),
    /** Stopped by SIGINT before the point of no return (the shell's 128 + 2): aborted, the VM kept serving. */
    INTERRUPTED(130),
    /** Stopped by SIGTERM before the point of no return (128 + 15): aborted, the VM kept serving. */
    TERMINATED(143);

    final int code;

    ExitCode(int code) {
        this.code = code;
    }

    /** A reboot's outcome as an exit status; a stop asked for by a signal keeps the shell's convention. */
    static ExitCode of(Outcome o) {
        if (o instanceof Outcome.Aborted a) {
            return a.signal().map(ExitCode::ofSignal).orElse(ABORTED);
        }
        return switch (o.kind()) {
            case SWITCHED, REBOOTED -> OK;
            case ABORTED -> ABORTED;
            case COLD_BOOTED -> COLD_BOOTED;
            case DOWN -> DOWN;
        };
    }

    static ExitCode of(Optional<Outcome> o) {
        return o.map(ExitCode::of).orElse(OK);
    }

    private static ExitCode ofSignal(String signal) {
        return signal.equals("SIGTERM") ? TERMINATED : INTERRUPTED;
    }
}
