package org.bgreboot.state;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** The JSON mapper of bgreboot's own files (vm.json, journals): readable, paths as plain strings, durations as ISO-8601. */
public final class Json {
    private Json() {}

    public static ObjectMapper mapper() {
        SimpleModule paths = new SimpleModule("paths")
                .addSerializer(Path.class, ToStringSerializer.instance)
                .addDeserializer(Path.class, new JsonDeserializer<>() {
                    @Override public Path deserialize(JsonParser p, DeserializationContext c) throws IOException {
                        return Path.of(p.getValueAsString());
                    }
                })
                .addSerializer(Duration.class, ToStringSerializer.instance)
                .addDeserializer(Duration.class, new JsonDeserializer<>() {
                    @Override public Duration deserialize(JsonParser p, DeserializationContext c) throws IOException {
                        return Duration.parse(p.getValueAsString());
                    }
                });
        return new ObjectMapper().registerModule(new Jdk8Module()).registerModule(paths).enable(SerializationFeature.INDENT_OUTPUT);
    }
}
