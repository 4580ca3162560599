package org.bgreboot.jsonwire;

import java.io.ByteArrayOutputStream;

/**
 * Cuts a byte stream into top-level JSON objects, whatever the read boundaries: a message may
 * arrive one byte at a time, several may arrive in one read. It only tracks braces and strings;
 * Jackson parses each frame afterwards.
 *
 * <p>Shared by QMP and the guest agent, which speak the same framing. A 0xFF byte (never valid
 * UTF-8) is the guest agent's resynchronisation sentinel: it discards any partial frame and is
 * reported on its own. Bytes outside an object that are not whitespace are reported as garbage,
 * up to the next newline, '{' or 0xFF.
 */
public final class JsonFrameSplitter {

    /** Receives what the splitter finds, in stream order. */
    public interface Sink {
        void frame(byte[] json);

        void garbage(byte[] bytes);

        void sentinel();
    }

    /** A frame larger than this is treated as garbage rather than grown without bound. */
    static final int MAX_FRAME = 128 << 20;

    private static final byte SENTINEL = (byte) 0xFF;

    private enum State { BETWEEN, OBJECT, GARBAGE }

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private State state = State.BETWEEN;
    private int depth;
    private boolean inString;
    private boolean escaped;

    public void feed(byte[] bytes, int offset, int length, Sink sink) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == SENTINEL) {
                if (state == State.GARBAGE || state == State.OBJECT && buffer.size() > 0) {
                    emitGarbage(sink);
                }
                reset();
                sink.sentinel();
                continue;
            }
            switch (state) {
                case BETWEEN -> between(b);
                case GARBAGE -> garbage(b, sink);
                case OBJECT -> object(b, sink);
            }
        }
    }

    private void between(byte b) {
        if (isWhitespace(b)) {
            return;
        }
        if (b == '{') {
            startObject();
        } else {
            state = State.GARBAGE;
            buffer.write(b);
        }
    }

    private void garbage(byte b, Sink sink) {
        if (b == '\n') {
            emitGarbage(sink);
            reset();
        } else if (b == '{') {
            emitGarbage(sink);
            reset();
            startObject();
        } else {
            buffer.write(b);
            if (buffer.size() > MAX_FRAME) {
                emitGarbage(sink);
                reset();
            }
        }
    }

    private void object(byte b, Sink sink) {
        buffer.write(b);
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (b == '\\') {
                escaped = true;
            } else if (b == '"') {
                inString = false;
            }
        } else if (b == '"') {
            inString = true;
        } else if (b == '{' || b == '[') {
            depth++;
        } else if (b == '}' || b == ']') {
            if (--depth == 0) {
                byte[] frame = buffer.toByteArray();
                reset();
                sink.frame(frame);
                return;
            }
        }
        if (buffer.size() > MAX_FRAME) {
            emitGarbage(sink);
            reset();
        }
    }

    private void startObject() {
        state = State.OBJECT;
        depth = 1;
        buffer.write('{');
    }

    private void emitGarbage(Sink sink) {
        byte[] bytes = buffer.toByteArray();
        if (bytes.length > 0) {
            sink.garbage(bytes);
        }
    }

    private void reset() {
        buffer.reset();
        state = State.BETWEEN;
        depth = 0;
        inString = false;
        escaped = false;
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
}
