package org.bgreboot;

import java.io.PrintStream;

/** Where long operations report what they are doing; the CLI prints it with the elapsed time. */
@FunctionalInterface
public interface Progress {
    void step(String text);

    Progress SILENT = text -> { };

    /** Prints {@code [ 12.3s] text} lines, time since this printer was made. */
    static Progress printingTo(PrintStream out) {
        long start = System.nanoTime();
        return text -> out.printf("[%6.2fs] %s%n", (System.nanoTime() - start) / 1e9, text);
    }
}
