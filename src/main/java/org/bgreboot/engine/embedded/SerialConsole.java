package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A QEMU's serial console, which it writes to a file in its runtime directory. */
record SerialConsole(Path log) implements org.bgreboot.engine.Console {
    @Override public String readFrom(long offset) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long length = f.length();
            if (length <= offset) {
                return "";
            }
            byte[] bytes = new byte[(int) Math.min(length - offset, 16 << 20)];
            f.seek(offset);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.ISO_8859_1); // one char per byte: offsets stay byte offsets
        } catch (IOException e) {
            return ""; // not created yet: nothing written yet
        }
    }

    @Override public String where() {
        return log.toString();
    }

    @Override public long length() {
        return log.toFile().length();
    }
}
