package org.bgreboot.experiment;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bgreboot.Progress;
import org.bgreboot.Teardown;

/**
 * {@code bgreboot watch} run as its own process by a demo, as an operator or its unit runs it:
 * the same java and classpath as this one, the demo's state folder; its output goes to the
 * demo's progress, line by line. Taken down by its pid (SIGTERM, then SIGKILL) if the demo stops.
 */
public final class WatchProcess implements AutoCloseable {
    private final Process process;
    private final Teardown.Registration teardown;
    private final Thread pump;
    private final List<String> lines = new ArrayList<>();

    private WatchProcess(Process process, Teardown.Registration teardown, Progress progress) {
        this.process = process;
        this.teardown = teardown;
        this.pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(l);
                    }
                    progress.step("watch| " + l);
                }
            } catch (IOException e) {
                // it ended
            }
        }, "watch-output");
        pump.setDaemon(true);
        pump.start();
    }

    public static WatchProcess start(List<String> args, Map<String, String> env, Progress progress) {
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "org.bgreboot.cli.Main", "watch"));
        argv.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            Teardown.Registration down = Teardown.onExit("bgreboot watch (pid " + p.pid() + ")", () -> stop(p));
            return new WatchProcess(p, down, progress);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start bgreboot watch", e);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Waits for it to end; its exit status. */
    public int await(long seconds) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                stop(process);
                throw new IllegalStateException("bgreboot watch did not end within " + seconds + " s: stopped");
            }
            pump.join(5000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** SIGTERM (watch aborts what has not passed its point of no return and exits), SIGKILL after a minute. */
    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override public void close() {
        if (process.isAlive()) {
            stop(process);
        }
        teardown.close();
    }

}
