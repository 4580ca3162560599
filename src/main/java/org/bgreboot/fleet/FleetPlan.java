package org.bgreboot.fleet;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.bgreboot.render.Table;

/** A roll as planned, before anything acts: which VMs, on which host, in which wave. Journaled. */
public record FleetPlan(String id, List<String> hosts, List<PlannedVm> vms, int parallel, int maxUnavailable, OnFailure onFailure,
                        boolean measure) {
    public FleetPlan {
        hosts = List.copyOf(hosts);
        vms = List.copyOf(vms);
    }

    static String newId() {
        return "fleet-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
    }

    public List<PlannedVm> on(String host) {
        return vms.stream().filter(v -> v.host().equals(host)).toList();
    }

    public String text() {
        Table t = Table.of("VM", "host", "wave", "memory");
        vms.forEach(v -> t.row(v.vm(), v.host(), String.valueOf(v.wave() + 1), (v.memoryBytes() >> 20) + " MiB"));
        return t.toText() + String.format("%d VMs on %d hosts; at most %d reboot%s at once per host, at most %d VM%s in a switch at once; on failure: %s%n",
                vms.size(), hosts.size(), parallel, parallel == 1 ? "" : "s", maxUnavailable, maxUnavailable == 1 ? "" : "s",
                onFailure.name().toLowerCase());
    }
}
