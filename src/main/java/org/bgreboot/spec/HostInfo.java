package org.bgreboot.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host read from /proc. */
public final class HostInfo {
    private HostInfo() {}

    public static long memoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: without /proc/meminfo, use the JVM's view
        }
        return Runtime.getRuntime().maxMemory();
    }
}
