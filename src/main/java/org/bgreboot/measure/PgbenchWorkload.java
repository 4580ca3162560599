package org.bgreboot.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bgreboot.HostCommand;
import org.bgreboot.UserError;

/**
 * A database workload nobody here wrote: Debian's {@code pgbench}, inserting one row per
 * transaction keyed by a client-side sequence number (guest/postgres/pgbench-append.sql), with
 * every transaction logged. pgbench does not reconnect: when the server goes away its clients
 * abort and it exits, so this runs it in a loop, a new process with a new run number each time.
 * Stopped, it reads every log and the table back: every transaction pgbench saw committed must be
 * a row. Times are the transactions' completion times, on the run's clock.
 */
public final class PgbenchWorkload implements AutoCloseable {
    private static final Pattern LOG = Pattern.compile("run(\\d+)\\.\\d+(\\.\\d+)?");
    /** Short runs by default, so the loop ends soon after it is told to. */
    private static final Duration SHORT_RUN = Duration.ofSeconds(10);
    /** How long an interrupted pgbench gets to write its log and end. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    /**
     * A client whose connection ended: pgbench 15 says "client N aborted in command..." when the
     * backend died, and "client N script S aborted in command..." when the server ended the session
     * (a fast shutdown's "terminating connection due to administrator command").
     */
    private static final Pattern ABORTED = Pattern.compile("client \\d+ (?:script \\d+ )?aborted");
    private static final int CLIENTS = 2;
    /**
     * libpq's connect timeout for pgbench, in seconds, as a real client sets one: a pgbench started
     * while the VM boots can reach a port forward whose guest never answers, and without a timeout it
     * waited there long after the server was back (its clients committed nothing meanwhile).
     */
    private static final String CONNECT_TIMEOUT_S = "5";

    /** One logged commit: which row it wrote, when it completed (run clock ms) and how long it took. */
    public record Commit(long run, int client, long seq, double atMs, double latencyMs) {}

    /**
     * One pgbench process: when it started and ended (run clock ms), its exit status, how many of its
     * clients lost their connection ("client N aborted"), and whether it was ended by {@link #stop}.
     */
    public record Run(long run, double startMs, double endMs, int exitCode, int abortedClients, boolean stopped) {}

    /** What the workload saw, and what the table holds of it. */
    public record Result(List<Commit> commits, int runs, Set<String> lost, int extraRows, List<Run> runLog) {
        public boolean nothingLost() {
            return lost.isEmpty();
        }

        /** Client connections the server broke, of pgbench processes that ended in [fromMs, toMs] (not by the stop). */
        public int connectionsBroken(double fromMs, double toMs) {
            return runLog.stream().filter(r -> !r.stopped() && r.endMs() >= fromMs && r.endMs() <= toMs).mapToInt(Run::abortedClients).sum();
        }

        /** pgbench processes started in [fromMs, toMs]: each after one before it had ended. */
        public long processesStarted(double fromMs, double toMs) {
            return runLog.stream().filter(r -> r.startMs() >= fromMs && r.startMs() <= toMs).count();
        }

        /** The longest time between two consecutive commits overlapping [fromMs, toMs]: the clients' downtime. */
        public double longestGapMs(double fromMs, double toMs) {
            double max = 0;
            for (int i = 1; i < commits.size(); i++) {
                double a = commits.get(i - 1).atMs();
                double b = commits.get(i).atMs();
                if (a <= toMs && b >= fromMs) {
                    max = Math.max(max, b - a);
                }
            }
            return max;
        }

        /** Commits per second completed in [fromMs, toMs). */
        /** When the clients committed again after {@code ms}: the first commit that completed later. */
        public java.util.OptionalDouble firstCommitAfter(double ms) {
            return commits.stream().mapToDouble(Commit::atMs).filter(at -> at > ms).min();
        }

        public double tps(double fromMs, double toMs) {
            long n = commits.stream().filter(c -> c.atMs() >= fromMs && c.atMs() < toMs).count();
            return toMs > fromMs ? n / ((toMs - fromMs) / 1000) : Double.NaN;
        }
    }

    private final Database db;
    private final Path script;
    private final Path logs;
    private final RunClock clock;
    private final long epochOffsetNanos;
    private final Thread loop;
    private final Duration perRun;
    private final List<Run> runLog = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;
    private volatile Process current;
    /** Run numbers go on from the table's: an earlier workload's rows keep their keys. */
    private final int firstRun;
    private int runs;

    /**
     * Where the database is: host, port, user, database, and the network namespace its clients
     * are in ("" for the host's).
     */
    public record Database(String host, int port, String user, String name, String netns) {}

    private PgbenchWorkload(Database db, Path script, Path logs, RunClock clock, int firstRun, Duration perRun) {
        this.perRun = perRun;
        this.runs = firstRun - 1;
        this.firstRun = firstRun;
        this.db = db;
        this.script = script;
        this.logs = logs;
        this.clock = clock;
        // pgbench logs epoch times: map them onto the run's clock once
        this.epochOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        this.loop = new Thread(this::runLoop, "pgbench-loop");
        this.loop.setDaemon(true);
    }

    /** Creates the table (idempotent) and starts pgbench in its loop. */
    public static PgbenchWorkload start(Database db, Path script, Path init, Path logs, RunClock clock) {
        return start(db, script, init, logs, clock, SHORT_RUN);
    }

    /**
     * The same, each pgbench process running up to {@code perRun}: a long one keeps its connections
     * across reboots that keep them, so that a new process is a reconnect; {@link #stop} interrupts it.
     */
    public static PgbenchWorkload start(Database db, Path script, Path init, Path logs, RunClock clock, Duration perRun) {
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        psql(db, List.of("-v", "ON_ERROR_STOP=1", "-f", init.toString()));
        int last = Integer.parseInt(psql(db, List.of("-At", "-c", "SELECT coalesce(max(run), 0) FROM bgreboot_pgbench")).strip());
        PgbenchWorkload w = new PgbenchWorkload(db, script, logs, clock, last + 1, perRun);
        w.loop.start();
        return w;
    }

    private void runLoop() {
        while (running) {
            int run = ++runs;
            List<String> argv = new ArrayList<>(netns(db));
            argv.addAll(List.of("pgbench", "-h", db.host(), "-p", String.valueOf(db.port()), "-U", db.user(), "-n",
                    "-c", String.valueOf(CLIENTS), "-j", "1", "-T", String.valueOf(perRun.toSeconds()), "-f", script.toString(),
                    "-D", "run=" + run, "-D", "seq=0", "--log", "--log-prefix=" + logs.resolve("run" + run), db.name()));
            long started = System.nanoTime();
            try {
                ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(logs.resolve("run" + run + ".out").toFile());
                pb.environment().put("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT_S);
                Process p = pb.start();
                current = p;
                double startMs = clock.nowMs();
                int exit = p.waitFor();
                runLog.add(new Run(run, startMs, clock.nowMs(), exit, aborted(logs.resolve("run" + run + ".out")), !running));
            } catch (IOException e) {
                throw new UserError("cannot run pgbench (" + e.getMessage() + "): install the Debian package postgresql-client");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // a server that is not there makes pgbench fail at once: do not spin
            long took = System.nanoTime() - started;
            if (took < 50_000_000L) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Waits until the server takes a query again (after a reboot PostgreSQL's start can outlast the
     * VM's readiness, longer on a busy TCG host); the loop's next pgbench then connects at once.
     */
    public boolean awaitServer(java.time.Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            try {
                psql(db, List.of("-At", "-c", "SELECT 1"));
                return true;
            } catch (IllegalStateException notYet) {
                org.bgreboot.Sleep.ms(250);
            }
        }
        return false;
    }

    /**
     * Waits until pgbench's transactions are rows again (counted in the table: its own log is
     * buffered until it ends): after a reboot, the window before the next one must be one of load.
     */
    public boolean awaitCommitting(java.time.Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        long before = -1;
        while (System.nanoTime() < until) {
            try {
                long rows = Long.parseLong(psql(db, List.of("-At", "-c", "SELECT count(*) FROM bgreboot_pgbench")).strip());
                if (before >= 0 && rows > before) {
                    return true;
                }
                before = rows;
            } catch (IllegalStateException notYet) {
                // the server went away again: keep asking until the timeout
            }
            org.bgreboot.Sleep.ms(500);
        }
        return false;
    }

    /** Lets the running pgbench finish its short run (a long one is interrupted), then reads the logs and the table back. */
    public Result stop() {
        running = false;
        Process p = current;
        if (perRun.compareTo(SHORT_RUN) > 0 && p != null && p.isAlive()) {
            HostCommand.run(List.of("kill", "-INT", String.valueOf(p.pid())));
            // started with SIGINT ignored (a background job of a non-interactive shell passes that on to
            // bgreboot and its children), pgbench would run on for hours: end it (its log's last buffered
            // lines may go with it; the check is every logged commit against the table, so nothing is
            // taken for lost)
            try {
                if (!p.waitFor(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    p.destroy();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            loop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Commit> commits = readLogs();
        Set<String> logged = new HashSet<>();
        commits.forEach(c -> logged.add(c.run() + " " + c.client() + " " + c.seq()));
        Set<String> rows = new HashSet<>();
        if (runs >= firstRun) {
            String out = psql(db, List.of("-At", "-F", " ", "-c", "SELECT run, client, seq FROM bgreboot_pgbench WHERE run <= " + runs
                    + " AND run >= " + firstRun));
            out.lines().filter(l -> !l.isBlank()).forEach(rows::add);
        }
        Set<String> lost = new HashSet<>(logged);
        lost.removeAll(rows);
        Set<String> extra = new HashSet<>(rows);
        extra.removeAll(logged);
        return new Result(commits, runs - firstRun + 1, lost, extra.size(), List.copyOf(runLog));
    }

    @Override public void close() {
        running = false;
        Process p = current;
        if (p != null && p.isAlive()) {
            p.destroy();
        }
    }

    private static int aborted(Path out) {
        try {
            return abortedClients(Files.readAllLines(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return 0;
        }
    }

    /** How many clients a pgbench process's output says lost their connection. */
    static int abortedClients(List<String> output) {
        return (int) output.stream().filter(l -> ABORTED.matcher(l).find()).count();
    }

    private List<Commit> readLogs() {
        List<Commit> commits = new ArrayList<>();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.toList()) {
                Matcher m = LOG.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                long run = Long.parseLong(m.group(1));
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    String[] p = line.trim().split("\\s+");
                    if (p.length < 6 || !p[2].chars().allMatch(Character::isDigit)) {
                        continue; // failed or skipped: not committed
                    }
                    long epochNanos = Long.parseLong(p[4]) * 1_000_000_000L + Long.parseLong(p[5]) * 1000L;
                    commits.add(new Commit(run, Integer.parseInt(p[0]), Long.parseLong(p[1]), clock.toMs(epochNanos - epochOffsetNanos),
                            Long.parseLong(p[2]) / 1000.0));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the pgbench logs in " + logs, e);
        }
        commits.sort((a, b) -> Double.compare(a.atMs(), b.atMs()));
        return commits;
    }

    private static String psql(Database db, List<String> args) {
        List<String> argv = new ArrayList<>(netns(db));
        argv.addAll(List.of("psql", "-X", "-q", "-h", db.host(), "-p", String.valueOf(db.port()), "-U", db.user(), "-d", db.name()));
        argv.addAll(args);
        HostCommand r;
        try {
            r = HostCommand.run(argv);
        } catch (HostCommand.NotFound e) {
            throw new UserError(e.getMessage() + ": install the Debian package postgresql-client");
        }
        if (!r.ok()) {
            throw new IllegalStateException("psql failed: " + r.lastLine());
        }
        return r.output();
    }

    /** Clients of a bridged VM run in their network namespace; nsenter changes only that. */
    private static List<String> netns(Database db) {
        return db.netns().isEmpty() ? List.of() : List.of("nsenter", "--net=/run/netns/" + db.netns(), "--");
    }
}
