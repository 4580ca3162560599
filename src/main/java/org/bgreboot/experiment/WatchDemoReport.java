package org.bgreboot.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bgreboot.render.Table;

/**
 * The watch demo's report and what it must show: the VMs rebooted are exactly the two that
 * flagged a reboot, the third untouched (the same boot id), no acknowledged write lost, each
 * downtime under a second, and Prometheus's own answer for the reboot counter agreeing.
 *
 * @param serviceBefore what each VM's service answered before (version, kernel, boot id), as JSON text
 * @param round         the watch's round report (its --json)
 * @param events        what the notify command was given, one JSON line per event
 */
public record WatchDemoReport(List<String> vms, List<String> flagged, Map<String, String> serviceBefore, Map<String, String> serviceAfter,
                              Map<String, Object> round, List<String> events, Prometheus prometheus, int watchExit, List<String> watchErrors) {
    static final double MAX_DOWNTIME_MS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Prometheus's answers through /api/v1/query.
     *
     * @param reboots       bgreboot_reboots_total by outcome
     * @param downtimeCount the downtime histogram's count by source
     * @param downtimeSum   its sum (seconds) by source
     * @param buckets       its cumulative buckets by upper bound
     * @param scrapes       how many scrapes of watch Prometheus made
     */
    public record Prometheus(String address, Map<String, String> queries, Map<String, Double> reboots, Map<String, Double> downtimeCount,
                             Map<String, Double> downtimeSum, Map<String, Double> buckets, double scrapes) {}

    private String field(Map<String, String> service, String vm, String key) {
        try {
            return JSON.readTree(service.getOrDefault(vm, "{}")).path(key).asText("");
        } catch (Exception e) {
            return "";
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> rolled(String vm) {
        Object roll = round.get("roll");
        if (!(roll instanceof Map<?, ?> r) || !(r.get("vms") instanceof List<?> vs)) {
            return Map.of();
        }
        return vs.stream().map(v -> (Map<String, Object>) v).filter(v -> vm.equals(v.get("vm"))).findFirst().orElse(Map.of());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> asked(String vm) {
        Object v = round.get("vms");
        return v instanceof List<?> l ? l.stream().map(x -> (Map<String, Object>) x).filter(x -> vm.equals(x.get("vm"))).findFirst().orElse(Map.of())
                : Map.of();
    }

    private boolean rebooted(String vm) {
        return !Objects.equals(field(serviceBefore, vm, "boot_id"), field(serviceAfter, vm, "boot_id"));
    }

    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (watchExit != 0) {
            p.add("bgreboot watch --once exited " + watchExit + (watchErrors.isEmpty() ? "" : ": " + String.join("; ", watchErrors)));
        }
        List<String> rebooted = vms.stream().filter(this::rebooted).toList();
        if (!rebooted.equals(flagged)) {
            p.add("rebooted " + rebooted + ", not exactly the VMs that flagged a reboot " + flagged);
        }
        for (String vm : vms) {
            Map<String, Object> r = rolled(vm);
            if (flagged.contains(vm)) {
                if (!"switched".equals(r.get("result"))) {
                    p.add(vm + ": " + (r.isEmpty() ? "not rolled by watch" : r.get("result") + " (" + r.get("detail") + ")"));
                }
                if (!(r.get("downtime_ms") instanceof Number d) || d.doubleValue() >= MAX_DOWNTIME_MS) {
                    p.add(vm + ": downtime " + r.get("downtime_ms") + " ms, not under " + (int) MAX_DOWNTIME_MS + " ms");
                }
                if (!(r.get("acked_writes_lost") instanceof Number n) || n.intValue() != 0) {
                    p.add(vm + ": acknowledged writes lost: " + r.get("acked_writes_lost"));
                }
                if (!"v2".equals(field(serviceAfter, vm, "version"))) {
                    p.add(vm + " serves " + field(serviceAfter, vm, "version") + ", not v2");
                }
            } else if (!r.isEmpty()) {
                p.add(vm + " flagged nothing, yet watch rolled it");
            }
        }
        double switched = prometheus.reboots().getOrDefault("switched", 0.0);
        if (switched != flagged.size()) {
            p.add("Prometheus says bgreboot_reboots_total{outcome=\"switched\"} = " + switched + ", not " + flagged.size());
        }
        if (prometheus.downtimeCount().getOrDefault("prober", 0.0) != flagged.size()) {
            p.add("Prometheus's downtime histogram counts " + prometheus.downtimeCount() + ", not " + flagged.size() + " measured by the prober");
        }
        long ended = events.stream().filter(e -> e.contains("\"event\":\"switched\"")).count();
        if (ended != flagged.size() || events.stream().filter(e -> e.contains("\"event\":\"start\"")).count() != flagged.size()) {
            p.add("the notify command got " + events.size() + " events, not a start and a switched for each flagged VM");
        }
        return p;
    }

    public String table() {
        Table t = Table.of("VM", "needs reboot (its guest said)", "watch", "downtime", "switch", "writes lost", "version", "boot id");
        for (String vm : vms) {
            Map<String, Object> a = asked(vm);
            Map<String, Object> r = rolled(vm);
            Object reasons = a.get("reasons");
            String needs = Boolean.TRUE.equals(a.get("needs_reboot")) ? "yes: " + (reasons instanceof List<?> l ? String.join("; ", l.stream().map(String::valueOf).toList()) : "")
                    : Boolean.FALSE.equals(a.get("needs_reboot")) ? "no" : "?";
            t.row(vm, needs, r.isEmpty() ? "untouched" : String.valueOf(r.get("result")), ms(r.get("downtime_ms")), ms(r.get("switch_ms")),
                    r.containsKey("acked_writes_lost") ? r.get("acked_writes_lost") + " of " + r.get("acked_writes") : "–",
                    field(serviceBefore, vm, "version") + " → " + field(serviceAfter, vm, "version"),
                    rebooted(vm) ? "new" : "same (" + field(serviceAfter, vm, "boot_id").substring(0, Math.min(8, field(serviceAfter, vm, "boot_id").length())) + "…)");
        }
        StringBuilder b = new StringBuilder(t.toText());
        b.append("\nPrometheus (").append(prometheus.address()).append(", ").append((int) prometheus.scrapes()).append(" scrapes of watch), /api/v1/query:\n");
        b.append("  ").append(prometheus.queries().get("counter")).append("\n");
        prometheus.reboots().forEach((k, v) -> b.append(String.format("    outcome=%-12s %s%n", k, fmt(v))));
        b.append("  ").append(prometheus.queries().get("count")).append(" / _sum:\n");
        prometheus.downtimeCount().forEach((k, v) -> b.append(String.format("    source=%-8s count %s, sum %.3f s, mean %.0f ms%n", k, fmt(v),
                prometheus.downtimeSum().getOrDefault(k, Double.NaN), 1000 * prometheus.downtimeSum().getOrDefault(k, Double.NaN) / v)));
        b.append("  buckets (le: cumulative count):");
        prometheus.buckets().entrySet().stream().sorted((x, y) -> Double.compare(le(x.getKey()), le(y.getKey())))
                .forEach(e -> b.append(" ").append(e.getKey()).append(":").append(fmt(e.getValue())));
        b.append("\n\nevents given to --notify-command:\n");
        events.forEach(e -> b.append("  ").append(e).append("\n"));
        return b.toString();
    }

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        List<Map<String, Object>> vs = new ArrayList<>();
        for (String vm : vms) {
            Map<String, Object> m = new LinkedHashMap<>();
            Map<String, Object> r = rolled(vm);
            m.put("vm", vm);
            m.put("flagged", flagged.contains(vm));
            m.put("needs_reboot", asked(vm).get("needs_reboot"));
            m.put("reasons", asked(vm).get("reasons"));
            m.put("watch", r.isEmpty() ? "untouched" : r.get("result"));
            m.put("rebooted", rebooted(vm));
            for (String k : List.of("downtime_ms", "switch_ms", "bg_ready_ms", "fg_pause_ms", "acked_writes", "acked_writes_lost")) {
                m.put(k, r.get(k));
            }
            m.put("version_before", field(serviceBefore, vm, "version"));
            m.put("version_after", field(serviceAfter, vm, "version"));
            m.put("kernel_after", field(serviceAfter, vm, "kernel"));
            m.put("boot_id_before", field(serviceBefore, vm, "boot_id"));
            m.put("boot_id_after", field(serviceAfter, vm, "boot_id"));
            vs.add(m);
        }
        j.put("vms", vs);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("address", prometheus.address());
        p.put("queries", prometheus.queries());
        p.put("reboots_total_by_outcome", prometheus.reboots());
        p.put("downtime_seconds_count_by_source", prometheus.downtimeCount());
        p.put("downtime_seconds_sum_by_source", prometheus.downtimeSum());
        p.put("downtime_seconds_buckets", prometheus.buckets());
        p.put("scrapes", prometheus.scrapes());
        j.put("prometheus", p);
        j.put("events", events.stream().map(e -> {
            try {
                return JSON.readValue(e, Map.class);
            } catch (Exception ex) {
                return Map.of("unreadable", e);
            }
        }).toList());
        j.put("watch_exit", watchExit);
        j.put("watch_round", round);
        j.put("problems", problems());
        return j;
    }

    private static double le(String s) {
        return s.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(s);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String ms(Object v) {
        return v instanceof Number n ? String.format("%.0f ms", n.doubleValue()) : "–";
    }
}
