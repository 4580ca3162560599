package org.bgreboot.ready;

import java.time.Duration;
import java.util.List;

/** A command in the guest (argv, run through the agent) exits 0. */
public record GuestCommand(List<String> argv) implements ReadyCheck {
    public GuestCommand {
        argv = List.copyOf(argv);
    }

    @Override public String description() {
        return "guest command " + String.join(" ", argv) + " exits 0";
    }

    @Override public boolean attempt(ReadyTarget t, Duration budget) {
        return t.agent().exec(argv, budget).exitCode() == 0;
    }
}
