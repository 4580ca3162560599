package org.bgreboot.experiment.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.engine.embedded.AccelDetector;

/** The host a bench ran on: absolute times only compare on the same machine. */
public record BenchMachine(int nproc, String qemuVersion, String hostKernel, String cpu) {

    public static BenchMachine detect(Path qemu) {
        return new BenchMachine(Runtime.getRuntime().availableProcessors(), AccelDetector.qemuVersion(qemu),
                System.getProperty("os.name") + " " + System.getProperty("os.version"), cpuModel());
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
