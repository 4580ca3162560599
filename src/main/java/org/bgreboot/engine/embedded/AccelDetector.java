package org.bgreboot.engine.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.bgreboot.HostCommand;
import org.bgreboot.state.Durable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses KVM only when it really works. {@code /dev/kvm} can exist and open fine while guests hang
 * (as on this project's build machines), so the test is a short boot: a Linux kernel without a root
 * device must reach its panic quickly under KVM. The answer is cached per QEMU and host kernel.
 */
public final class AccelDetector {
    private static final Logger log = LoggerFactory.getLogger(AccelDetector.class);
    private static final long PROBE_SECONDS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path qemu;
    private final Path cacheFile;

    public AccelDetector(Path qemu, Path cacheFile) {
        this.qemu = qemu;
        this.cacheFile = cacheFile;
    }

    /** @param kernel a Linux kernel to try a boot with (only asked for when a probe is needed) */
    public AccelChoice choose(Optional<Accel> forced, Supplier<Path> kernel) {
        if (forced.isPresent()) {
            return new AccelChoice(forced.get(), "forced by --accel");
        }
        Path kvm = Path.of("/dev/kvm");
        if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            return new AccelChoice(Accel.TCG, "no usable /dev/kvm");
        }
        String key = qemuVersion(qemu) + " on Linux " + System.getProperty("os.version");
        Optional<AccelChoice> cached = readCache(key);
        if (cached.isPresent()) {
            return cached.get();
        }
        AccelChoice choice = probe(kernel.get());
        writeCache(key, choice);
        return choice;
    }

    private AccelChoice probe(Path kernel) {
        Path serial = null;
        Path output = null;
        Process p = null;
        try {
            serial = Files.createTempFile("bgreboot-kvm-probe", ".log");
            output = Files.createTempFile("bgreboot-kvm-probe", ".out");
            p = new ProcessBuilder(List.of(qemu.toString(), "-accel", "kvm", "-machine", "q35", "-cpu", "host", "-m", "256M",
                    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                    "-serial", "file:" + serial, "-kernel", kernel.toString(),
                    "-append", "console=ttyS0 panic=-1 root=/dev/bgreboot-kvm-probe"))
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            boolean exited = p.waitFor(PROBE_SECONDS, TimeUnit.SECONDS);
            String out = Files.readString(serial, StandardCharsets.ISO_8859_1);
            if (exited && out.contains("Kernel panic")) {
                return new AccelChoice(Accel.KVM, "a test boot under KVM works");
            }
            log.debug("KVM probe output: {}", out);
            String qemuSaid = Files.readString(output).lines().findFirst().orElse("no message")
                    .replaceFirst("^\\S*qemu-system-x86_64: ", "");
            return new AccelChoice(Accel.TCG, exited ? "KVM is present but a test boot under it failed: " + qemuSaid
                    : "KVM is present but a test boot under it hung for " + PROBE_SECONDS + " s");
        } catch (IOException e) {
            return new AccelChoice(Accel.TCG, "KVM test boot could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new AccelChoice(Accel.TCG, "KVM test boot interrupted");
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
            for (Path f : new Path[] {serial, output}) {
                if (f != null) {
                    f.toFile().delete();
                }
            }
        }
    }

    /** The first line of {@code qemu-system-x86_64 --version}, e.g. "QEMU emulator version 7.2.22 (...)". */
    public static String qemuVersion(Path qemu) {
        try {
            return HostCommand.run(List.of(qemu.toString(), "--version")).firstLine();
        } catch (HostCommand.NotFound e) {
            return "unknown QEMU";
        }
    }

    private Optional<AccelChoice> readCache(String key) {
        try {
            Map<?, ?> m = JSON.readValue(cacheFile.toFile(), Map.class);
            if (key.equals(m.get("key"))) {
                return Optional.of(new AccelChoice(Accel.parse((String) m.get("accel")), m.get("reason") + ", cached"));
            }
        } catch (IOException | RuntimeException e) {
            // no cache yet or unreadable: probe again
        }
        return Optional.empty();
    }

    private void writeCache(String key, AccelChoice c) {
        try {
            Files.createDirectories(cacheFile.getParent());
            Durable.write(cacheFile, JSON.writeValueAsBytes(Map.of("key", key, "accel", c.accel().qemuName(), "reason", c.reason())));
        } catch (IOException e) {
            log.debug("cannot cache accelerator choice: {}", e.toString());
        }
    }
}
