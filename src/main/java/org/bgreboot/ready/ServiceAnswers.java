package org.bgreboot.ready;

import java.time.Duration;
import java.util.List;

/**
 * The guest's own service answers, asked from inside the guest through the agent: the background
 * clone is isolated from the network until the switch, so it cannot be asked from outside.
 */
public record ServiceAnswers(String url) implements ReadyCheck {
    @Override public String description() {
        return "service answers at " + url + " inside the guest";
    }

    @Override public boolean attempt(ReadyTarget t, Duration budget) {
        var r = t.agent().exec(List.of("wget", "-q", "-O", "-", url), budget);
        return r.exitCode() == 0 && r.stdout().length > 0;
    }
}
