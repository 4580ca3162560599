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
import org.bgreboot.UserError;
import org.bgreboot.Version;
import org.bgreboot.state.Durable;
import org.bgreboot.state.Json;
import org.bgreboot.state.StateDir;

/**
 * The reboot journal: the plan and every step, each written durably (temp file, fsync, rename)
 * BEFORE the step acts. While {@code journal/active.json} exists a reboot is unfinished and only
 * {@code bgreboot recover} may touch the VM. Finished journals are kept as history.
 *
 * <p>Its format is versioned ({@link #FORMAT}), and it says which bgreboot wrote it: a bgreboot
 * upgraded between a crash and {@code recover} reads an older format it knows, and refuses one it
 * does not in one line rather than misreading it. Format 1 had no version field.
 */
public final class Journal {
    private static final ObjectMapper JSON = Json.mapper();
    private static final int HISTORY = 50;
    /** 2: the format field, the writer, outcomes as kinds. 1: bgreboot 0.1 (no format field; same plan and entries). */
    public static final int FORMAT = 2;

    /** One step, and when it was about to act (epoch ms). */
    public record Entry(Step step, long atEpochMs) {}

    /**
     * The journal file's content.
     *
     * @param outcome the outcome's kind once the reboot ended ({@code switched}, {@code aborted}...); null while it runs
     * @param detail  the outcome in words
     */
    public record Content(int format, String writtenBy, RebootPlan plan, List<Entry> entries, String outcome, String detail) {
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
            com.fasterxml.jackson.databind.JsonNode tree = JSON.readTree(f.toFile());
            int format = tree.path("format").asInt(1);
            if (format < 1 || format > FORMAT) {
                throw new UserError("the journal " + f + " was written by " + tree.path("writtenBy").asText("an unknown bgreboot") + " (journal format "
                        + format + "), which " + Version.full() + " cannot read (formats 1 to " + FORMAT + "): run that bgreboot's 'recover', then upgrade");
            }
            if (format == 1) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) tree).put("format", 1).put("writtenBy", "bgreboot 0.1");
            }
            return Optional.of(JSON.treeToValue(tree, Content.class));
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

    /** Every step journaled, in order (a step recovery replayed appears again). */
    public List<Step> steps() {
        return entries.stream().map(Entry::step).toList();
    }

    /** Durably records that {@code step} is about to act. */
    public void record(Step step) {
        entries.add(new Entry(step, System.currentTimeMillis()));
        write(null);
    }

    /** Ends the reboot: the journal moves to the history and the VM is free for the next one. */
    public void finish(Outcome outcome) {
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

    private void write(Outcome outcome) {
        try {
            Content c = new Content(FORMAT, Version.full(), plan, entries, outcome == null ? null : outcome.kind().key(),
                    outcome == null ? null : outcome.describe());
            Durable.write(dir.resolve("active.json"), JSON.writeValueAsBytes(c));
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
