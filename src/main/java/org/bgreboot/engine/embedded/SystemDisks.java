package org.bgreboot.engine.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.qmp.EventWaiter;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.engine.embedded.QemuCommand;
import org.bgreboot.engine.embedded.QemuImg;

/**
 * The system-disk operations of a reboot, over QMP: the clone point (one transaction of external
 * snapshots, so all disks are cut at the same instant), undoing it on abort (active commit), and
 * keeping the backing chain short afterwards (stream the old layer into the new overlay).
 */
final class SystemDisks {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);

    private SystemDisks() {}

    /** The node each system disk's device writes to now (after a snapshot it is the overlay's). */
    static List<String> topNodes(QmpClient qmp, int disks) {
        List<String> tops = new ArrayList<>();
        JsonNode blocks = qmp.execute("query-block");
        for (int i = 0; i < disks; i++) {
            String device = QemuCommand.systemDevice(i);
            String node = null;
            for (JsonNode b : blocks) {
                if (b.path("qdev").asText().contains("/" + device + "/")) {
                    node = b.path("inserted").path("node-name").asText(null);
                }
            }
            if (node == null) {
                throw new IllegalStateException("QEMU has no block device " + device);
            }
            tops.add(node);
        }
        return tops;
    }

    /**
     * Creates and opens FG's scratch overlays while FG runs, so that the snapshot inside the freeze
     * only swaps nodes: no file is created or opened while FG's filesystems are frozen.
     */
    static void prepareScratch(QmpClient fg, List<String> tops, List<Path> overlays, List<Path> scratch) {
        JsonNode blocks = fg.execute("query-block");
        for (int i = 0; i < tops.size(); i++) {
            long size = virtualSize(blocks, tops.get(i));
            // -u: FG has the backing file open read-write; its size comes from QEMU instead
            QemuImg.createOverlay(scratch.get(i), overlays.get(i), size);
            Map<String, Object> file = Map.of("driver", "file", "filename", scratch.get(i).toString());
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("driver", "qcow2");
            node.put("node-name", LayerNames.node(scratch.get(i)));
            node.put("file", file);
            node.put("backing", null); // attached by the snapshot
            fg.execute("blockdev-add", node);
        }
    }

    /** Drops scratch overlays that were prepared but never became FG's (an abort before the snapshot). */
    static void dropScratch(QmpClient fg, List<Path> scratch) {
        for (Path s : scratch) {
            try {
                fg.execute("blockdev-del", Map.of("node-name", LayerNames.node(s)));
            } catch (RuntimeException e) {
                // not added, or already FG's active layer (then the abort commits it back instead)
            }
        }
    }

    /** FG continues on its scratch overlays; the layers it wrote to become the clone point. One transaction. */
    static void snapshot(QmpClient fg, List<String> tops, List<Path> scratch) {
        List<Object> actions = new ArrayList<>();
        for (int i = 0; i < tops.size(); i++) {
            actions.add(Map.of("type", "blockdev-snapshot", "data",
                    Map.of("node", tops.get(i), "overlay", LayerNames.node(scratch.get(i)))));
        }
        fg.execute("transaction", Map.of("actions", actions));
    }

    private static long virtualSize(JsonNode blocks, String node) {
        for (JsonNode b : blocks) {
            if (node.equals(b.path("inserted").path("node-name").asText())) {
                return b.path("inserted").path("image").path("virtual-size").asLong();
            }
        }
        throw new IllegalStateException("QEMU reports no size for block node " + node);
    }

    /**
     * Undoes {@link #snapshot} on abort: FG's writes since the clone point are committed down into
     * the layer below and FG writes there again, exactly as before the reboot.
     */
    static void commitBack(QmpClient fg, List<String> scratchNodes, List<String> baseNodes) {
        for (int i = 0; i < scratchNodes.size(); i++) {
            String job = "commit-" + scratchNodes.get(i);
            try (EventWaiter ready = fg.expect("BLOCK_JOB_READY", e -> job.equals(e.data().path("device").asText()))) {
                fg.execute("block-commit", Map.of("job-id", job, "device", scratchNodes.get(i), "base-node", baseNodes.get(i)));
                ready.await(JOB_TIMEOUT);
            }
            JsonNode completed;
            try (EventWaiter done = fg.expect("BLOCK_JOB_COMPLETED", e -> job.equals(e.data().path("device").asText()))) {
                fg.execute("block-job-complete", Map.of("device", job));
                completed = done.await(JOB_TIMEOUT).data();
            }
            if (completed.hasNonNull("error")) {
                throw new IllegalStateException("committing " + scratchNodes.get(i) + " back failed: " + completed.path("error").asText());
            }
            // the scratch node was added by us (blockdev-add), so it stays open until deleted by us
            fg.execute("blockdev-del", Map.of("node-name", scratchNodes.get(i)));
        }
    }

    /**
     * Streams everything above {@code base} into disk {@code i}'s top overlay, so the layers in
     * between drop out of the chain.
     */
    static void streamInto(QmpClient vm, int disk, Path base) {
        String top = topNodes(vm, disk + 1).get(disk);
        String baseNode = nodeOfFile(vm, base);
        String job = "stream-" + top;
        JsonNode completed;
        try (EventWaiter done = vm.expect("BLOCK_JOB_COMPLETED", e -> job.equals(e.data().path("device").asText()))) {
            vm.execute("block-stream", Map.of("job-id", job, "device", top, "base-node", baseNode));
            completed = done.await(JOB_TIMEOUT).data();
        }
        if (completed.hasNonNull("error")) {
            throw new IllegalStateException("streaming into " + top + " failed: " + completed.path("error").asText());
        }
    }

    /** The qcow2 node that has {@code file} open. */
    static String nodeOfFile(QmpClient vm, Path file) {
        for (JsonNode n : vm.execute("query-named-block-nodes")) {
            if ("qcow2".equals(n.path("drv").asText()) && file.toString().equals(n.path("file").asText())) {
                return n.path("node-name").asText();
            }
        }
        throw new IllegalStateException("no block node has " + file + " open");
    }
}
