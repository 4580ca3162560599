package org.bgreboot.ready;

import java.time.Duration;

/** The guest agent answers {@code guest-ping} (after resynchronising the channel). */
public record AgentAnswers() implements ReadyCheck {
    @Override public String description() {
        return "agent answers";
    }

    @Override public boolean attempt(ReadyTarget t, Duration budget) {
        Duration d = budget.compareTo(Duration.ofSeconds(1)) < 0 ? budget : Duration.ofSeconds(1);
        t.agent().sync(d);
        t.agent().ping(d);
        return true;
    }
}
