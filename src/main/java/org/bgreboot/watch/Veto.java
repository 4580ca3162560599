package org.bgreboot.watch;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --block-command}: run before each wave; a non-zero exit (or no end within a minute) means
 * "not now" (for example, alerts are firing), and the wave's VMs wait for the next round.
 */
public final class Veto {
    static final Duration LIMIT = Duration.ofSeconds(60);

    private final Optional<OperatorCommand> command;

    public Veto(Optional<OperatorCommand> command) {
        this.command = command;
    }

    public static Veto none() {
        return new Veto(Optional.empty());
    }

    public boolean present() {
        return command.isPresent();
    }

    /** Empty: go ahead. Else why not now. */
    public Optional<String> check(String host, int wave) {
        if (command.isEmpty()) {
            return Optional.empty();
        }
        OperatorCommand.Run r = command.get().run("", Map.of("BGREBOOT_HOST", host, "BGREBOOT_WAVE", String.valueOf(wave + 1)), LIMIT);
        if (r.ok()) {
            return Optional.empty();
        }
        return Optional.of("blocked by --block-command (" + (r.timedOut() ? r.firstLine() : "exit " + r.status())
                + (r.firstLine().isEmpty() || r.timedOut() ? "" : ": " + r.firstLine()) + ")");
    }
}
