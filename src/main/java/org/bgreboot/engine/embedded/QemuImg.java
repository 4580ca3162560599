package org.bgreboot.engine.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.HostCommand;
import org.bgreboot.UserError;

/** The qemu-img operations bgreboot needs: overlays and reading a backing chain. */
public final class QemuImg {
    private QemuImg() {}

    /** A new empty qcow2 overlay whose backing file is {@code backing} (qcow2). */
    public static void createOverlay(Path overlay, Path backing) {
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", backing.toString(), overlay.toString()));
    }

    /**
     * The same without opening the backing file (it may be open read-write in a running QEMU);
     * {@code size} is its virtual size in bytes.
     */
    public static void createOverlay(Path overlay, Path backing, long size) {
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-u", "-b", backing.toString(),
                overlay.toString(), String.valueOf(size)));
    }

    /** The size the guest sees of an image (qcow2's virtual size, a raw file's length); it may be open in a QEMU. */
    public static long virtualSize(Path image, String format) {
        String json = run(List.of("qemu-img", "info", "-U", "-f", format, "--output=json", image.toString()));
        try {
            return new ObjectMapper().readTree(json).path("virtual-size").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException("qemu-img info printed something unreadable for " + image, e);
        }
    }

    /** The files of an image's backing chain, the image itself first. */
    public static List<Path> chain(Path image) {
        String json = run(List.of("qemu-img", "info", "-U", "--backing-chain", "--output=json", image.toString()));
        try {
            List<Path> files = new ArrayList<>();
            for (JsonNode n : new ObjectMapper().readTree(json)) {
                files.add(Path.of(n.path("filename").asText()));
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("qemu-img info printed something unreadable for " + image, e);
        }
    }

    private static String run(List<String> argv) {
        HostCommand r;
        try {
            r = HostCommand.run(argv);
        } catch (HostCommand.NotFound e) {
            throw new UserError("qemu-img is not installed: install the Debian package qemu-utils");
        }
        if (!r.ok()) {
            throw new UserError(String.join(" ", argv.subList(0, 2)) + " failed: " + r.firstLine());
        }
        return r.output();
    }
}
