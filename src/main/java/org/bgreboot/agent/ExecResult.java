package org.bgreboot.agent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a guest command ended, from {@code guest-exec-status}.
 *
 * @param exitCode the exit status, or -1 when the process was killed by a signal
 * @param signal the signal that killed the process, or 0 when it exited
 * @param truncated the agent cut stdout or stderr (it keeps at most 16 MiB of each)
 */
public record ExecResult(int exitCode, int signal, byte[] stdout, byte[] stderr, boolean truncated) {

    public boolean ok() {
        return exitCode == 0 && signal == 0;
    }

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** "exit 0", "exit 3", "signal 9". */
    public String status() {
        return signal != 0 ? "signal " + signal : "exit " + exitCode;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ExecResult that
                && exitCode == that.exitCode
                && signal == that.signal
                && truncated == that.truncated
                && Arrays.equals(stdout, that.stdout)
                && Arrays.equals(stderr, that.stderr);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * exitCode + signal) + Arrays.hashCode(stdout)) + Arrays.hashCode(stderr);
    }

    @Override
    public String toString() {
        return "ExecResult[" + status() + ", stdout " + stdout.length + " bytes, stderr " + stderr.length + " bytes"
                + (truncated ? ", truncated" : "") + "]";
    }
}
