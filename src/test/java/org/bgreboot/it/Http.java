package org.bgreboot.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.spec.VmSpec;

/** A test's HTTP client for the guest service through the VM's forwarded port. */
public final class Http {
    private Http() {}

    public static JsonNode identity(VmSpec spec) {
        try {
            return new ObjectMapper().readTree(get(spec, ""));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String get(VmSpec spec, String path) {
        return send(HttpRequest.newBuilder(MeasuredReboot.serviceUri(spec).resolve(path)).GET());
    }

    public static String post(VmSpec spec, String path) {
        return send(HttpRequest.newBuilder(MeasuredReboot.serviceUri(spec).resolve(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private static String send(HttpRequest.Builder b) {
        try {
            // a client per request: a pooled connection could outlive the VM it was made to
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = client.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(r.uri() + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
