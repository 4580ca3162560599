package org.bgreboot.reboot;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.state.Durable;
import org.bgreboot.state.Json;
import org.bgreboot.state.StateDir;

/**
 * The reboot journal: the plan and every step, each written durably (temp file, fsync, rename)
 * BEFORE the step acts. While {@code journal/active.json} exists a reboot is unfinished and only
 * {@code bgreboot recover} may touch the VM. Finished journals are kept as history.
 */
public final class Journal {
    private static final ObjectMapper JSON = Json.mapper();
    private static final int HISTORY = 50;

    /** One step, and when it was about to act (epoch ms). */
    public record Entry(Step step, long atEpochMs) {}

    /** The journal file's content. */
    public record Content(RebootPlan plan, List<Entry> entries, String outcome) {
        /** The step that was acting (or about to) when the journal was last written. */
        public Step lastStep() {
            return entries.isEmpty() ? Step.PLAN : entries.get(entries.size() - 1).step();
        }
    }

    private final Path dir;
    private final RebootPlan plan;
    private final List<Entry> entries;

    private Journal(Path dir, RebootPlan plan, List<Entry> entries) {
        this.dir = dir;
        this.plan = plan;
        this.entries = new ArrayList<>(entries);
    }

    static Path activeFile(StateDir state) {
        return state.journal().resolve("active.json");
    }

    /** The unfinished reboot's journal, if there is one. */
    public static Optional<Content> active(StateDir state) {
        Path f = activeFile(state);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), Content.class));
        } catch (IOException e) {
            throw new UncheckedIOException("the journal " + f + " is unreadable", e);
        }
    }

    /** Starts the journal of a new reboot; the caller has checked that none is active. */
    public static Journal begin(StateDir state, RebootPlan plan) {
        state.create();
        Journal j = new Journal(state.journal(), plan, List.of());
        j.record(Step.PLAN);
        return j;
    }

    /** Continues an unfinished journal (recovery). */
    public static Journal resume(StateDir state, Content c) {
        return new Journal(state.journal(), c.plan(), c.entries());
    }

    public RebootPlan plan() {
        return plan;
    }

    public Step lastStep() {
        return entries.isEmpty() ? Step.PLAN : entries.get(entries.size() - 1).step();
    }

    /** Durably records that {@code step} is about to act. */
    public void record(Step step) {
        entries.add(new Entry(step, System.currentTimeMillis()));
        write(null);
    }

    /** Ends the reboot: the journal moves to the history and the VM is free for the next one. */
    public void finish(String outcome) {
        write(outcome);
        try {
            Path done = dir.resolve("reboot-" + plan.id() + ".json");
            Files.move(dir.resolve("active.json"), done, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durable.fsyncDirectory(dir);
            pruneHistory();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the journal in " + dir, e);
        }
    }

    private void write(String outcome) {
        try {
            Durable.write(dir.resolve("active.json"), JSON.writeValueAsBytes(new Content(plan, entries, outcome)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal in " + dir + " (disk full?)", e);
        }
    }

    private void pruneHistory() throws IOException {
        try (var s = Files.list(dir)) {
            List<Path> old = s.filter(p -> p.getFileName().toString().startsWith("reboot-")
                    && p.getFileName().toString().endsWith(".json")).sorted().toList();
            for (int i = 0; i < old.size() - HISTORY; i++) {
                Files.deleteIfExists(old.get(i));
            }
        }
    }
}
