package org.bgreboot.watch;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One thing watch tells {@code --notify-command}, as one JSON object on its standard input:
 * {@code start} (a VM's reboot began), an outcome ({@code switched}, {@code rebooted}, {@code aborted},
 * {@code cold_booted}, {@code down}: the values of {@link org.bgreboot.reboot.Outcome.Kind}), or
 * {@code blocked} (the veto said not now). {@code vm} is empty for a host's event.
 */
public record WatchEvent(String event, String vm, String host, Instant at, String detail, Map<String, Object> figures) {
    public static final String START = "start";
    public static final String BLOCKED = "blocked";

    public WatchEvent {
        figures = figures == null ? Map.of() : Map.copyOf(figures);
    }

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("event", event);
        j.put("vm", vm.isEmpty() ? null : vm);
        j.put("host", host);
        j.put("at", at.toString());
        j.put("detail", detail.isEmpty() ? null : detail);
        j.putAll(new java.util.TreeMap<>(figures));
        return j;
    }
}
