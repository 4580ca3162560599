package org.bgreboot.engine.embedded;

import java.nio.file.Path;

/**
 * The names of a VM's system-disk layers in its {@code disks/} directory, and of the QMP block
 * nodes that open them: made here and nowhere else.
 */
final class LayerNames {
    private LayerNames() {}

    /** The layer disk {@code i} writes to from generation {@code generation} on. */
    static Path overlay(Path disks, int i, int generation) {
        return disks.resolve("sys" + i + "-g" + generation + ".qcow2");
    }

    /** Where generation {@code generation} writes after its clone point, until the switch discards it. */
    static Path scratch(Path disks, int i, int generation) {
        return disks.resolve("sys" + i + "-g" + generation + "-scratch.qcow2");
    }

    /** The block node that opens a layer bgreboot added at runtime: its file name, less ".qcow2". */
    static String node(Path layer) {
        return layer.getFileName().toString().replaceFirst("\\.qcow2$", "");
    }
}
