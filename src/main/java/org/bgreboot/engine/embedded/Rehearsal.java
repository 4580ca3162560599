package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bgreboot.Sleep;
import org.bgreboot.qmp.EventWaiter;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.engine.embedded.QemuCommand;
import org.bgreboot.engine.embedded.QemuProcess;
import org.bgreboot.spec.VmSpec;

/**
 * A rehearsal of the switch's hot-plug in the clone, with a scratch disk, before the switch.
 * Under TCG the first hot-plug in a guest pays for translating the guest kernel's hot-plug and
 * disk-probe code (100–150 ms measured on the Debian guest, on the downtime path); rehearsed, the
 * real one finds that code translated. The scratch disk goes again after the switch.
 */
final class Rehearsal {
    private static final String DEVICE = "rehearsal-dev";
    private static final String NODE = "rehearsal";
    private static final String FILE_NODE = "rehearsal-file";
    private static final long SIZE = 16L << 20;
    private static final Duration SEEN_TIMEOUT = Duration.ofSeconds(10);

    private Rehearsal() {}

    /** Plugs a scratch disk into the clone and waits until the guest has it; best effort. */
    static void run(QemuProcess clone, VmSpec spec, Path image) {
        Set<String> before = clone.agent().diskNames(Duration.ofSeconds(10));
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(SIZE); // sparse, zeros: nothing for the guest to mount
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + image, e);
        }
        QmpClient q = clone.qmp();
        q.execute("blockdev-add", Map.of("driver", "file", "filename", image.toString(), "node-name", FILE_NODE));
        q.execute("blockdev-add", Map.of("driver", "raw", "file", FILE_NODE, "node-name", NODE));
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("driver", "virtio-blk-pci");
        dev.put("id", DEVICE);
        dev.put("drive", NODE);
        dev.put("serial", "bgrehearsal");
        if (QemuCommand.q35(spec)) {
            dev.put("bus", QemuCommand.REHEARSAL_PORT);
        }
        q.execute("device_add", dev);
        long deadline = System.nanoTime() + SEEN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && before.containsAll(clone.agent().diskNames(Duration.ofSeconds(10)))) {
            Sleep.ms(20);
        }
    }

    /** Unplugs the scratch disk (the guest lets go of it in its own time) and deletes it. */
    static void remove(QemuProcess vm, Path image) {
        QmpClient q = vm.qmp();
        try (EventWaiter gone = q.expect("DEVICE_DELETED", e -> DEVICE.equals(e.data().path("device").asText()))) {
            q.execute("device_del", Map.of("id", DEVICE));
            gone.await(Duration.ofSeconds(30));
        }
        q.execute("blockdev-del", Map.of("node-name", NODE));
        q.execute("blockdev-del", Map.of("node-name", FILE_NODE));
        try {
            Files.deleteIfExists(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
