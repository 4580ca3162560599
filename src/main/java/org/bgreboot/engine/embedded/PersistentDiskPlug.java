package org.bgreboot.engine.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.FaultPoint;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;

/**
 * The persistent disk given to a running QEMU, two ways.
 * <ul>
 *   <li>Swap: a clone boots with the disk's device already there (same serial, same size), its
 *       raw node backed by an empty {@code null-co} node; at the switch the image is opened and
 *       {@code blockdev-reopen} points the raw node at it (2–4 ms). The guest sees no new device,
 *       only its content change, so nothing waits on PCI hot-plug or udev.</li>
 *   <li>Hot-plug: a file node, a format node, the device ({@code device_add}).</li>
 * </ul>
 * Each part is looked for before it is added, so a plug interrupted between two of its commands
 * (bgreboot killed) is completed by the next one instead of failing on a duplicate node.
 */
final class PersistentDiskPlug {
    /** The placeholder's driver. */
    private static final String PLACEHOLDER = "null-co";
    /** The image's nodes when swapped in (the raw node {@link QemuCommand#PERSIST_NODE} stays the device's). */
    static final String REAL_FILE_NODE = "persist-image-file";
    static final String REAL_FORMAT_NODE = "persist-image";

    private PersistentDiskPlug() {}

    /** The clone's placeholder: the device the image will be swapped into, backed by nothing. */
    static List<String> placeholderBlockdevs(long bytes) {
        return List.of(
                "driver=" + PLACEHOLDER + ",node-name=" + QemuCommand.PERSIST_FILE_NODE + ",size=" + bytes + ",read-zeroes=on",
                "driver=raw,file=" + QemuCommand.PERSIST_FILE_NODE + ",node-name=" + QemuCommand.PERSIST_NODE);
    }

    /**
     * The size of the placeholder the device still reads, if it does: a clone saved whole must be
     * loaded into a QEMU with the same device, backed the same way.
     */
    static Optional<Long> placeholderBytes(QmpClient q) {
        for (JsonNode n : q.execute("query-named-block-nodes")) {
            if (QemuCommand.PERSIST_FILE_NODE.equals(n.path("node-name").asText()) && PLACEHOLDER.equals(n.path("drv").asText())) {
                return Optional.of(n.path("image").path("virtual-size").asLong());
            }
        }
        return Optional.empty();
    }

    /** Whether the device exists and reads the image (not the placeholder). */
    static boolean plugged(QmpClient q) {
        return devicePresent(q) && !onPlaceholder(q);
    }

    /** Gives the disk to the instance; returns how. */
    static DiskHandover plug(QmpClient q, VmSpec spec) {
        if (devicePresent(q)) {
            if (onPlaceholder(q)) {
                swap(q, spec.persistentDisk());
            }
            return DiskHandover.SWAP;
        }
        hotPlug(q, spec);
        return DiskHandover.HOT_PLUG;
    }

    private static void swap(QmpClient q, VmSpec.PersistentDisk p) {
        List<String> nodes = nodeNames(q);
        if (!nodes.contains(REAL_FILE_NODE)) {
            q.execute("blockdev-add", Map.of("driver", "file", "filename", p.path().toString(), "node-name", REAL_FILE_NODE));
            FaultPoint.reach("swap:file-node");
        }
        String image = REAL_FILE_NODE;
        if (!"raw".equals(p.format())) {
            if (!nodes.contains(REAL_FORMAT_NODE)) {
                q.execute("blockdev-add", Map.of("driver", p.format(), "file", REAL_FILE_NODE, "node-name", REAL_FORMAT_NODE));
            }
            image = REAL_FORMAT_NODE; // the device's raw node passes a qcow2 image through
        }
        q.execute("blockdev-reopen", Map.of("options", List.of(Map.of("driver", "raw", "node-name", QemuCommand.PERSIST_NODE, "file", image))));
        FaultPoint.reach("swap:reopened");
        try {
            q.execute("blockdev-del", Map.of("node-name", QemuCommand.PERSIST_FILE_NODE)); // the placeholder, no longer anyone's
        } catch (RuntimeException e) {
            // still referenced or gone already: it holds nothing
        }
    }

    private static void hotPlug(QmpClient q, VmSpec spec) {
        VmSpec.PersistentDisk p = spec.persistentDisk();
        List<String> nodes = nodeNames(q);
        boolean fileNode = nodes.contains(QemuCommand.PERSIST_FILE_NODE);
        boolean formatNode = nodes.contains(QemuCommand.PERSIST_NODE);
        if (!fileNode && !formatNode) {
            q.execute("blockdev-add", Map.of("driver", "file", "filename", p.path().toString(), "node-name", QemuCommand.PERSIST_FILE_NODE));
            FaultPoint.reach("plug:file-node");
        }
        if (!formatNode) {
            q.execute("blockdev-add", Map.of("driver", p.format(), "file", QemuCommand.PERSIST_FILE_NODE, "node-name", QemuCommand.PERSIST_NODE));
            FaultPoint.reach("plug:format-node");
        }
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("driver", "virtio-blk-pci");
        dev.put("id", QemuCommand.PERSIST_DEVICE);
        dev.put("drive", QemuCommand.PERSIST_NODE);
        dev.put("serial", p.serial());
        if (QemuCommand.q35(spec)) {
            dev.put("bus", QemuCommand.PERSIST_PORT);
        }
        q.execute("device_add", dev);
    }

    static boolean devicePresent(QmpClient q) {
        for (JsonNode b : q.execute("query-block")) {
            if (b.path("qdev").asText().contains("/" + QemuCommand.PERSIST_DEVICE + "/")) {
                return true;
            }
        }
        return false;
    }

    /** The device's raw node still reads the placeholder (QEMU then describes its file as json:{...null-co...}). */
    private static boolean onPlaceholder(QmpClient q) {
        for (JsonNode n : q.execute("query-named-block-nodes")) {
            if (QemuCommand.PERSIST_NODE.equals(n.path("node-name").asText())) {
                return n.path("file").asText().contains("\"" + PLACEHOLDER + "\"");
            }
        }
        return false;
    }

    private static List<String> nodeNames(QmpClient q) {
        List<String> names = new java.util.ArrayList<>();
        q.execute("query-named-block-nodes").forEach(n -> names.add(n.path("node-name").asText()));
        return names;
    }
}
