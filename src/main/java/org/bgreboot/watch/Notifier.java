package org.bgreboot.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bgreboot.Progress;
import org.bgreboot.output.OutputJson;

/**
 * {@code --notify-command}: run once per event, the event as one line of JSON on its standard
 * input (and its kind and VM in {@code BGREBOOT_EVENT}, {@code BGREBOOT_VM}). Events go out one at a
 * time in order, on a thread of their own, so a slow chat server never holds up a reboot; a command
 * that fails is logged, and the next event is still sent.
 */
public final class Notifier implements AutoCloseable {
    static final Duration LIMIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = OutputJson.mapper().copy().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    private final Optional<OperatorCommand> command;
    private final Progress log;
    private final ExecutorService queue = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "watch-notify");
        t.setDaemon(true);
        return t;
    });

    public Notifier(Optional<OperatorCommand> command, Progress log) {
        this.command = command;
        this.log = log;
    }

    public void send(WatchEvent e) {
        if (command.isEmpty()) {
            return;
        }
        String line;
        try {
            line = JSON.writeValueAsString(e) + "\n";
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        queue.execute(() -> {
            OperatorCommand.Run r = command.get().run(line, Map.of("BGREBOOT_EVENT", e.event(), "BGREBOOT_VM", e.vm().orElse(""), "BGREBOOT_HOST", e.host()), LIMIT);
            if (!r.ok()) {
                log.step("--notify-command failed for the " + e.event() + " event" + e.vm().map(v -> " of " + v).orElse("") + ": "
                        + (r.timedOut() ? r.firstLine() : "exit " + r.status() + (r.firstLine().isEmpty() ? "" : ": " + r.firstLine())));
            }
        });
    }

    /** Sends what is queued (for at most a minute), then stops. */
    @Override public void close() {
        queue.shutdown();
        try {
            if (!queue.awaitTermination(60, TimeUnit.SECONDS)) {
                log.step("--notify-command: events still queued after a minute were not sent");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
