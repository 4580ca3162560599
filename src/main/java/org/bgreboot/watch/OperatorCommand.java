package org.bgreboot.watch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bgreboot.UserError;

/**
 * A command the operator gives watch ({@code --block-command}, {@code --notify-command}), run by
 * {@code /bin/sh -c} like a cron line, with a time limit. Its program (the first word) must exist
 * when watch starts, or watch refuses to: a veto that cannot run would block every wave.
 */
public record OperatorCommand(String option, String text) {

    /** Refuses a command whose program is not there, in one line. */
    public static OperatorCommand of(String option, String text) {
        String program = text.strip().split("\\s+")[0];
        if (text.isBlank()) {
            throw new UserError(option + " is empty: give a command, such as /usr/local/bin/alerts-firing");
        }
        if (!found(program)) {
            throw new UserError(option + " '" + text + "': " + program + (program.contains("/") ? " does not exist or is not executable"
                    : " is not a program on PATH") + "; give a program that exists (its full path, or one on PATH)");
        }
        return new OperatorCommand(option, text);
    }

    private static boolean found(String program) {
        if (program.contains("/")) {
            Path p = Path.of(program);
            return Files.isRegularFile(p) && Files.isExecutable(p);
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return true;
            }
        }
        return program.matches("true|false|test|\\[|echo|exit|:"); // shell builtins
    }

    /** How a run ended: its exit status (-1: it did not end in time and was killed) and the first line it printed. */
    public record Run(int status, String firstLine, boolean timedOut) {
        public boolean ok() {
            return status == 0 && !timedOut;
        }
    }

    /** Runs it with {@code stdin} as its input and {@code env} added to watch's environment. */
    public Run run(String stdin, Map<String, String> env, Duration limit) {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", text).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Run(-1, "cannot start /bin/sh: " + e.getMessage(), false);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        try {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // it did not read its input: its exit status still says what it thinks
            }
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Run(-1, "did not finish within " + limit.toSeconds() + " s", true);
            }
            String first = out.get(5, TimeUnit.SECONDS).strip().lines().findFirst().orElse("");
            return new Run(p.exitValue(), first, false);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Run(-1, "interrupted", true);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return new Run(p.exitValue(), "", false);
        }
    }
}
