package org.bgreboot.jsonwire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonFrameSplitterTest {

    private final List<String> events = new ArrayList<>();
    private final JsonFrameSplitter splitter = new JsonFrameSplitter();
    private final JsonFrameSplitter.Sink sink = new JsonFrameSplitter.Sink() {
        @Override
        public void frame(byte[] json) {
            events.add("frame " + new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public void garbage(byte[] bytes) {
            events.add("garbage " + new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public void sentinel() {
            events.add("sentinel");
        }
    };

    private void feed(byte[] bytes) {
        splitter.feed(bytes, 0, bytes.length, sink);
    }

    private void feed(String text) {
        feed(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void severalMessagesInOneRead() {
        feed("{\"a\": 1}\r\n{\"b\": {\"c\": [1, {}]}}\r\n  {\"d\": 2}");
        assertThat(events).containsExactly("frame {\"a\": 1}", "frame {\"b\": {\"c\": [1, {}]}}", "frame {\"d\": 2}");
    }

    @Test
    void messageSplitAcrossReadsByteByByte() {
        byte[] bytes = "{\"return\": {\"status\": \"running\"}, \"id\": 7}\r\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            feed(new byte[] {b});
        }
        assertThat(events).containsExactly("frame {\"return\": {\"status\": \"running\"}, \"id\": 7}");
    }

    @Test
    void bracesAndEscapedQuotesInsideStringsDoNotEndTheFrame() {
        feed("{\"desc\": \"a } b { \\\" } \\\\\", \"x\": \"]\"}");
        assertThat(events).containsExactly("frame {\"desc\": \"a } b { \\\" } \\\\\", \"x\": \"]\"}");
    }

    @Test
    void multiByteUtf8SplitBetweenReadsSurvives() {
        byte[] bytes = "{\"desc\": \"caf\u00e9 \u201cquoted\u201d\"}".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 3) {
            splitter.feed(bytes, i, Math.min(3, bytes.length - i), sink);
        }
        assertThat(events).containsExactly("frame {\"desc\": \"caf\u00e9 \u201cquoted\u201d\"}");
    }

    @Test
    void textOutsideObjectsIsGarbageUpToNewlineOrBrace() {
        feed("not json\n{\"a\": 1}junk{\"b\": 2}");
        assertThat(events).containsExactly("garbage not json", "frame {\"a\": 1}", "garbage junk", "frame {\"b\": 2}");
    }

    @Test
    void sentinelDropsPartialFrameAndIsReported() {
        feed("{\"return\": 12".getBytes(StandardCharsets.UTF_8));
        feed(new byte[] {(byte) 0xFF});
        feed("{\"return\": 42}\n");
        assertThat(events).containsExactly("garbage {\"return\": 12", "sentinel", "frame {\"return\": 42}");
    }
}
