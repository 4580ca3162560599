package org.bgreboot.ready;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A line containing {@code text} has appeared on the guest's serial console (its log file). */
public final class SerialLine implements ReadyCheck {
    private final String text;
    private long offset = -1;
    private String carry = "";

    public SerialLine(String text) {
        this.text = text;
    }

    @Override public String description() {
        return "serial console shows '" + text + "'";
    }

    /**
     * Reads only what was appended since the last attempt (the first attempt starts where the log
     * stood when waiting began: a rebooting guest's log still holds the previous boot's lines).
     */
    @Override public boolean attempt(ReadyTarget t, Duration budget) {
        if (offset < 0) {
            offset = t.serialStart();
        }
        try (RandomAccessFile f = new RandomAccessFile(t.runtime().serialLog().toFile(), "r")) {
            if (f.length() <= offset) {
                return false;
            }
            f.seek(offset);
            byte[] buf = new byte[(int) Math.min(f.length() - offset, 1 << 20)];
            f.readFully(buf);
            offset += buf.length;
            String chunk = carry + new String(buf, StandardCharsets.ISO_8859_1);
            int lastNewline = chunk.lastIndexOf('\n');
            carry = lastNewline < 0 ? chunk : chunk.substring(lastNewline + 1);
            return chunk.contains(text);
        } catch (IOException e) {
            return false;
        }
    }
}
