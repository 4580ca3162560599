package org.bgreboot.output;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one mapper of bgreboot's JSON outputs (reboot, demo, bench, fleet, soak): output records in,
 * snake_case names out, a number that is not one (NaN, infinite) as null, an empty Optional as
 * null, an enum as its {@code key()} (else its name in lower case), paths as text. Each output's
 * shape is described by a JSON Schema under docs/schema, versioned by {@link #SCHEMA_VERSION}.
 */
public final class OutputJson {
    /** The version of every output's shape: raised when a field changes meaning or goes away. */
    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .addModule(new SimpleModule("bgreboot-output")
                    .addSerializer(Double.class, new FiniteOrNull())
                    .addSerializer(Double.TYPE, new FiniteOrNull())
                    .addSerializer(Path.class, ToStringSerializer.instance)
                    .addSerializer(Enum.class, new EnumKey())
                    .addKeySerializer(Enum.class, new EnumKeyAsName()))
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private OutputJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] bytes(Object output) {
        try {
            return MAPPER.writeValueAsBytes(output);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an output record that cannot be written as JSON: " + output.getClass().getName(), e);
        }
    }

    public static String text(Object output) {
        return new String(bytes(output), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The output as the tree a reader of its file would get. */
    public static JsonNode tree(Object output) {
        try {
            return MAPPER.readTree(bytes(output));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON name of an enum constant: its {@code key()} where it has one, else its name in lower case. */
    public static String key(Enum<?> e) {
        Method key = KEYS.computeIfAbsent(e.getDeclaringClass(), OutputJson::keyMethod);
        if (key == NO_KEY) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        try {
            return (String) key.invoke(e);
        } catch (ReflectiveOperationException x) {
            throw new IllegalStateException(x);
        }
    }

    private static final Map<Class<?>, Method> KEYS = new ConcurrentHashMap<>();
    private static final Method NO_KEY;

    static {
        try {
            NO_KEY = Object.class.getMethod("toString");
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static Method keyMethod(Class<?> c) {
        try {
            Method m = c.getMethod("key");
            return m.getReturnType() == String.class ? m : NO_KEY;
        } catch (NoSuchMethodException e) {
            return NO_KEY;
        }
    }

    private static final class FiniteOrNull extends JsonSerializer<Double> {
        @Override public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (v == null || v.isNaN() || v.isInfinite()) {
                g.writeNull();
            } else {
                g.writeNumber(v);
            }
        }
    }

    @SuppressWarnings("rawtypes")
    private static final class EnumKey extends JsonSerializer<Enum> {
        @Override public void serialize(Enum v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeString(key(v));
        }
    }

    @SuppressWarnings("rawtypes")
    private static final class EnumKeyAsName extends JsonSerializer<Enum> {
        @Override public void serialize(Enum v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeFieldName(key(v));
        }
    }
}
