package org.bgreboot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A command run on the host to its end (ip, qemu-img, cp, psql, a project script): its exit
 * status and its output, stderr merged into stdout. Callers say what a failure means for them;
 * this only runs the process.
 */
public record HostCommand(List<String> argv, int status, String output) {

    /** The program could not be started at all, typically because it is not installed. */
    public static final class NotFound extends UncheckedIOException {
        NotFound(List<String> argv, IOException cause) {
            super("cannot run " + argv.get(0) + ": " + cause.getMessage(), cause);
        }
    }

    public static HostCommand run(List<String> argv) {
        return run(argv, "");
    }

    /** Runs {@code argv} with {@code stdin} as its input. */
    public static HostCommand run(List<String> argv, String stdin) {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new NotFound(argv, e);
        }
        try {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new HostCommand(List.copyOf(argv), p.waitFor(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("reading from " + argv.get(0), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + argv.get(0) + " ran", e);
        }
    }

    public boolean ok() {
        return status == 0;
    }

    /** The last line it printed, stripped: usually the one that says why it failed. */
    public String lastLine() {
        return output.strip().lines().reduce((a, b) -> b).orElse("");
    }

    /** The first line it printed, stripped. */
    public String firstLine() {
        return output.strip().lines().findFirst().orElse("");
    }
}
