package org.bgreboot.ready;

import java.time.Duration;
import java.util.List;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.jsonwire.WireTimeoutException;

/**
 * A command in the guest (argv, run through the agent) exits 0. An attempt that outlives its budget
 * leaves the command running (the agent of QEMU 7.2 cannot kill it): the next attempt waits for that
 * one instead of starting another, so a guest too slow for the budget is not buried under copies of
 * the check (seen: 42 pg_isready at once in a TCG guest on a loaded host, and nothing answered).
 */
public final class GuestCommand implements ReadyCheck {
    private final List<String> argv;
    private GuestAgent.RunningCommand pending;
    private GuestAgent pendingOn;

    public GuestCommand(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    public List<String> argv() {
        return argv;
    }

    @Override public String description() {
        return "guest command " + String.join(" ", argv) + " exits 0";
    }

    @Override public boolean attempt(ReadyTarget t, Duration budget) {
        GuestAgent agent = t.agent();
        if (pending == null || pendingOn != agent) {
            pending = agent.start(argv, budget);
            pendingOn = agent;
        }
        ExecResult r;
        try {
            r = pending.await(budget);
        } catch (WireTimeoutException stillRunning) {
            return false;
        }
        pending = null;
        return r.exitCode() == 0;
    }
}
