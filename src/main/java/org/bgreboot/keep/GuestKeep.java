package org.bgreboot.keep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireException;
import org.bgreboot.jsonwire.WireTimeoutException;

/**
 * bgreboot-keep in one guest, through its agent. Each command runs under the limit it is given; one
 * that outlives it is killed in the guest (the agent of QEMU 7.2 cannot) and reported as failed.
 * A command that failed for some services still answers for each ({@code dump} exits 1 with a line
 * per service saying which were dumped): only a command that answered nothing throws.
 */
public final class GuestKeep {
    public static final String PROGRAM = "/usr/sbin/bgreboot-keep";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A command that did not answer: not installed, killed at its limit, or failed with nothing to say. */
    public static final class KeepFailed extends RuntimeException {
        public KeepFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final GuestAgent agent;

    public GuestKeep(GuestAgent agent) {
        this.agent = agent;
    }

    /**
     * The services the guest names, or empty when bgreboot-keep is not installed there. A
     * bgreboot-keep that fails to list (an older one without {@code list}, a broken keep.d) is an
     * error saying why, never a guest that names no service.
     */
    public Optional<List<KeptUnit>> list(Duration limit) {
        List<JsonNode> lines;
        try {
            lines = must(run("list", limit)).lines();
        } catch (KeepFailed e) {
            if (e.getCause() instanceof WireCommandException) { // guest-exec could not start it: no such program
                return Optional.empty();
            }
            throw e;
        }
        List<KeptUnit> units = new ArrayList<>();
        for (JsonNode l : lines) {
            units.add(new KeptUnit(l.path("name").asText(), l.path("unit").asText(), l.path("ports").asText(), l.path("setup").asBoolean(),
                    l.path("active").asText("unknown"), l.path("main_pid").asLong(), l.path("under_keep").asBoolean(), l.path("criu").asBoolean(),
                    text(l, "reason")));
        }
        return Optional.of(units);
    }

    /** Marks the system disk: the clone cut from it knows the switch keeps state (its ready.d guards the ports). */
    public void arm(Duration limit) {
        must(run("arm", limit));
    }

    /** Stops keeping state: the marker and every image go. */
    public void disarm(Duration limit) {
        must(run("disarm", limit));
    }

    /** One pre-dump of every kept service (a failed one is not fatal: the final dump is then a full one). */
    public List<DumpReport> preDump(Duration limit) {
        return dumps(run("pre-dump", limit), "pre_dump");
    }

    /** In the clone: its kept ports hold (or drop) what arrives until the restore. The ports, or "" when they were guarded already. */
    public String guard(Duration limit) {
        Answer a = must(run("guard", limit));
        return a.lines().isEmpty() ? "" : a.lines().get(0).path("ports").asText();
    }

    /**
     * In the clone, once guarded, before the switch: each kept unit's start begun, waiting for the
     * attach's restore. What was not primed, each "NAME: why" (it starts at the attach instead).
     */
    public List<String> prime(Duration limit) {
        return must(run("prime", limit)).lines().stream().filter(l -> !l.path("primed").asBoolean())
                .map(l -> l.path("name").asText() + ": " + l.path("reason").asText()).toList();
    }

    /** The final dump: each service left stopped with its images complete, or running on (the restart path) with a reason. */
    public List<DumpReport> dump(Duration limit) {
        return dumps(run("dump", limit), "dumped");
    }

    /** A switch rolled back after the dump: the stopped services go on. The names it resumed. */
    public List<String> resume(Duration limit) {
        return must(run("resume", limit)).lines().stream().map(l -> l.path("name").asText()).toList();
    }

    /** In the new VM, after the attach: what became of each service's images. */
    public List<RestoreReport> status(Duration limit) {
        List<RestoreReport> out = new ArrayList<>();
        for (JsonNode l : must(run("status", limit)).lines()) {
            String name = l.path("name").asText();
            if (l.has("restored")) {
                boolean restored = l.path("restored").asBoolean();
                OptionalInt held = l.path("hold").has("held") ? OptionalInt.of(l.path("hold").path("held").asInt()) : OptionalInt.empty();
                out.add(new RestoreReport(name, restored ? RestoreReport.Kind.RESTORED : RestoreReport.Kind.RESTORE_FAILED, l.path("ms").asDouble(),
                        restored ? l.path("pid").asLong() : 0, text(l, "reason"), held));
            } else if (l.has("dumped")) {
                out.add(new RestoreReport(name, RestoreReport.Kind.DUMP_FAILED, l.path("ms").asDouble(), 0, text(l, "reason"), OptionalInt.empty()));
            }
        }
        return out;
    }

    private static List<DumpReport> dumps(Answer a, String doneKey) {
        if (a.lines().isEmpty() && !a.result().ok()) {
            throw new KeepFailed(a.failure(), null);
        }
        List<DumpReport> out = new ArrayList<>();
        for (JsonNode l : a.lines()) {
            boolean dump = doneKey.equals("dumped");
            out.add(new DumpReport(l.path("name").asText(), l.path(doneKey).asBoolean(), dump ? l.path("pre_dumps").asInt() : l.path("iteration").asInt(),
                    l.path("ms").asDouble(), l.path("frozen_ms").asDouble(), l.path("bytes").asLong(), l.path("pre_dump_bytes").asLong(),
                    l.path("pid").asLong(), text(l, "reason")));
        }
        return out;
    }

    /** What a command printed, one object a line. */
    private record Answer(String command, ExecResult result, List<JsonNode> lines) {
        String failure() {
            String err = result.stderrText().strip();
            return "bgreboot-keep " + command + " failed (" + result.status() + ")" + (err.isEmpty() ? "" : ": " + err.lines().reduce((x, y) -> y).orElse(err));
        }
    }

    private static Answer must(Answer a) {
        if (!a.result().ok()) {
            throw new KeepFailed(a.failure(), null);
        }
        return a;
    }

    private Answer run(String command, Duration limit) {
        GuestAgent.RunningCommand running;
        try {
            running = agent.start(List.of(PROGRAM, command), limit);
        } catch (WireException e) {
            throw new KeepFailed("bgreboot-keep " + command + " could not be started in the guest: " + e.getMessage(), e);
        }
        ExecResult r;
        try {
            r = running.await(limit);
        } catch (WireTimeoutException e) {
            try {
                agent.exec(List.of("kill", "-KILL", String.valueOf(running.pid())), Duration.ofSeconds(10));
            } catch (RuntimeException killFailed) {
                e.addSuppressed(killFailed);
            }
            throw new KeepFailed("bgreboot-keep " + command + " did not finish within " + seconds(limit) + " and was killed", e);
        } catch (WireException e) {
            throw new KeepFailed("bgreboot-keep " + command + ": " + e.getMessage(), e);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.stdoutText().lines().map(String::strip).filter(l -> l.startsWith("{")).toList()) {
            try {
                lines.add(JSON.readTree(line));
            } catch (JsonProcessingException e) {
                throw new KeepFailed("bgreboot-keep " + command + " printed a line that is not JSON: " + line, e);
            }
        }
        return new Answer(command, r, lines);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format("%.1f s", d.toMillis() / 1000.0);
    }

    private static Optional<String> text(JsonNode l, String key) {
        return l.hasNonNull(key) && !l.path(key).asText().isEmpty() ? Optional.of(l.path(key).asText()) : Optional.empty();
    }
}
