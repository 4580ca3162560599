package org.bgreboot.reboot;

import java.util.Locale;

/**
 * How a reboot ended: exactly one of these, carried from the flow to everything that reports it
 * (the exit code, JSON, tables, the fleet's journal, metrics). A fallback is never reported as what
 * it replaced: a switch that failed past its point of no return and was saved by a cold boot is
 * {@link ColdBooted}, not {@link Switched}.
 */
public sealed interface Outcome {

    Kind kind();

    /** One line for people. */
    String describe();

    /** The kinds, as JSON, tables and metrics name them. */
    enum Kind {
        /** The clone serves: a background reboot's switch completed. */
        SWITCHED,
        /** The VM itself restarted into the update (a normal or kexec reboot). */
        REBOOTED,
        /** The VM never stopped serving: the clone was discarded, FG left as it was. */
        ABORTED,
        /** The switch failed past its point of no return: the updated disks were booted, the persistent disk with them. */
        COLD_BOOTED,
        /** Nothing serves; the outcome says what to fix. */
        DOWN;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    record Switched() implements Outcome {
        @Override public Kind kind() {
            return Kind.SWITCHED;
        }

        @Override public String describe() {
            return "switched: the clone serves the update";
        }
    }

    record Rebooted() implements Outcome {
        @Override public Kind kind() {
            return Kind.REBOOTED;
        }

        @Override public String describe() {
            return "rebooted: the VM restarted into the update";
        }
    }

    /**
     * @param reason   why it stopped before the switch
     * @param finished false when an undo failed: the VM serves, but its journal stays open for {@code bgreboot recover}
     * @param signal   the signal that asked for the stop, if one did ("SIGINT", "SIGTERM")
     */
    record Aborted(String reason, boolean finished, java.util.Optional<String> signal) implements Outcome {
        @Override public Kind kind() {
            return Kind.ABORTED;
        }

        @Override public String describe() {
            return "aborted: " + reason + (finished ? "" : " (the abort is unfinished: run 'bgreboot recover')");
        }
    }

    /**
     * @param failedStep the switch step that failed
     * @param why        what failed
     */
    record ColdBooted(Step failedStep, String why) implements Outcome {
        @Override public Kind kind() {
            return Kind.COLD_BOOTED;
        }

        @Override public String describe() {
            return "cold-booted: the switch failed at " + failedStep.key() + " (" + why + "), so the updated disks were booted";
        }
    }

    /** @param whatToFix what failed and what the operator must do */
    record Down(String whatToFix) implements Outcome {
        @Override public Kind kind() {
            return Kind.DOWN;
        }

        @Override public String describe() {
            return "down: " + whatToFix;
        }
    }
}
