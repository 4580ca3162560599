package org.bgreboot.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * An asynchronous QMP event, e.g. STOP, RESUME, SHUTDOWN, DEVICE_DELETED.
 *
 * @param data the event's data; an empty object when QEMU sent none, so {@code path()} is safe
 * @param timestamp when QEMU emitted it (host clock, microsecond precision)
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {
}
