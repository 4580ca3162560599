package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a process is really running. QEMU may outlive the bgreboot that started it, so it is not
 * always our child: once it exits it may linger as a zombie until someone reaps it, and
 * {@code kill(pid, 0)} would still say "alive". Conversely a killed QEMU's main thread becomes a
 * zombie while its other threads still close their files: it holds its image locks until the last
 * thread is gone, so only then is it dead.
 */
public final class Liveness {
    private Liveness() {}

    public static boolean alive(long pid) {
        try {
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            char state = field(status, "State:").charAt(0);
            int threads = Integer.parseInt(field(status, "Threads:"));
            return state != 'X' && !(state == 'Z' && threads <= 1);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String field(String status, String name) {
        int i = status.indexOf("\n" + name);
        int start = i < 0 ? (status.startsWith(name) ? name.length() : -1) : i + 1 + name.length();
        if (start < 0) {
            throw new IllegalStateException("no " + name);
        }
        int end = status.indexOf('\n', start);
        return status.substring(start, end < 0 ? status.length() : end).strip();
    }

    /** The command line of a live process, NUL-separated arguments joined by spaces; empty if gone. */
    public static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }
}
