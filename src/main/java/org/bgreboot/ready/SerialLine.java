package org.bgreboot.ready;

import java.time.Duration;

/** A line containing {@code text} has appeared on the guest's serial console (its console). */
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
            offset = t.consoleStart();
        }
        String read = t.console().readFrom(offset);
        if (read.isEmpty()) {
            return false;
        }
        offset += read.length(); // the console reads one char per byte
        String chunk = carry + read;
        int lastNewline = chunk.lastIndexOf('\n');
        carry = lastNewline < 0 ? chunk : chunk.substring(lastNewline + 1);
        return chunk.contains(text);
    }
}
