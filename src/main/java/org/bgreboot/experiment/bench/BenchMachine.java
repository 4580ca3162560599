package org.bgreboot.experiment.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The host a bench ran on: absolute times only compare on the same machine. */
public record BenchMachine(int nproc, String qemuVersion, String hostKernel, String cpu) {

    public static BenchMachine detect(Path qemu) {
        return new BenchMachine(Runtime.getRuntime().availableProcessors(), qemuVersion(qemu),
                System.getProperty("os.name") + " " + System.getProperty("os.version"), cpuModel());
    }

    /** The first line of {@code qemu-system-x86_64 --version}, e.g. "QEMU emulator version 7.2.22 (...)". */
    private static String qemuVersion(Path qemu) {
        try {
            Process p = new ProcessBuilder(qemu.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("unknown").strip();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
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
