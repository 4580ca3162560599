package org.bgreboot.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a process is really running. QEMU is daemonized, so it is not our child: once it exits it
 * may linger as a zombie until someone reaps it, and {@code kill(pid, 0)} would still say "alive".
 */
public final class Liveness {
    private Liveness() {}

    public static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // state is the first field after the parenthesised command name, which may contain spaces
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | IndexOutOfBoundsException e) {
            return false;
        }
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
