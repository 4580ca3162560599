package org.bgreboot.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import org.bgreboot.measure.RawHttp;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.spec.VmSpec;

/** A test's HTTP client for the guest service, reached as its clients reach it. */
public final class Http {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Http() {}

    public static JsonNode identity(VmSpec spec) {
        try {
            return new ObjectMapper().readTree(get(spec, ""));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String get(VmSpec spec, String path) {
        return check(() -> RawHttp.get(MeasuredReboot.serviceUri(spec).resolve(path), TIMEOUT), spec, path);
    }

    public static String post(VmSpec spec, String path) {
        return check(() -> RawHttp.post(MeasuredReboot.serviceUri(spec).resolve(path), "", TIMEOUT), spec, path);
    }

    private interface Exchange {
        RawHttp.Response run() throws IOException;
    }

    /**
     * Through RawHttp, like the prober: a bridged VM's address is reached from its clients'
     * network namespace, never from the host's (where it would go out the default route).
     */
    private static String check(Exchange e, VmSpec spec, String path) {
        try {
            RawHttp.Response r = e.run();
            if (r.status() != 200) {
                throw new IllegalStateException(MeasuredReboot.serviceUri(spec).resolve(path) + " answered " + r.status() + ": " + r.body());
            }
            return r.body();
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
