package org.bgreboot.qmp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A QEMU process for integration tests: output to a log file, killed for sure on close. */
public final class TestQemu implements AutoCloseable {

    private final Process process;
    private final Path log;

    private TestQemu(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts qemu-system-x86_64 with {@code args}; its output goes to {@code dir/qemu.log}. */
    public static TestQemu start(Path dir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add("qemu-system-x86_64");
        command.addAll(args);
        Path log = dir.resolve("qemu.log");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return new TestQemu(process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for QEMU to exit by itself; true when it did within {@code seconds}. */
    public boolean waitForExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    /** Freezes QEMU (SIGSTOP) so that it stops answering without closing its sockets. */
    public void freeze() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-STOP", Long.toString(pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -STOP " + pid() + " failed");
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Kills QEMU (SIGKILL, which also ends a frozen one) and waits until it is gone. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("QEMU " + pid() + " did not die within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
