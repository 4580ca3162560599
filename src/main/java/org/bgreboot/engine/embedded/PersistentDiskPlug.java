package org.bgreboot.engine.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bgreboot.FaultPoint;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;

/**
 * The persistent disk hot-plugged into a running QEMU: a file node, a format node, the device.
 * Each part is looked for before it is added, so a plug interrupted between two of its commands
 * (bgreboot killed) is completed by the next one instead of failing on a duplicate node.
 */
final class PersistentDiskPlug {
    private PersistentDiskPlug() {}

    static boolean plugged(QmpClient q) {
        for (JsonNode b : q.execute("query-block")) {
            if (b.path("qdev").asText().contains("/" + QemuCommand.PERSIST_DEVICE + "/")) {
                return true;
            }
        }
        return false;
    }

    static void plug(QmpClient q, VmSpec spec) {
        if (plugged(q)) {
            return;
        }
        VmSpec.PersistentDisk p = spec.persistentDisk();
        boolean fileNode = false;
        boolean formatNode = false;
        for (JsonNode n : q.execute("query-named-block-nodes")) {
            String name = n.path("node-name").asText();
            fileNode |= name.equals(QemuCommand.PERSIST_FILE_NODE);
            formatNode |= name.equals(QemuCommand.PERSIST_NODE);
        }
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
}
