package org.bgreboot.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bgreboot.output.OutputJson;
import org.bgreboot.render.Table;

/**
 * The watch demo's report and what it must show: the VMs rebooted are exactly the two that
 * flagged a reboot, the third untouched (the same boot id), no acknowledged write lost, each
 * downtime under a second, and Prometheus's own answer for the reboot counter agreeing. What the
 * watch wrote (its round's --json, its events) is read back as a client would, into typed views.
 *
 * @param serviceBefore what each VM's service answered before (version, kernel, boot id)
 * @param round         the watch's round report (its --json), as far as the demo reads it
 * @param events        what the notify command was given, one JSON object per event
 */
public record WatchDemoReport(List<String> vms, List<String> flagged, Map<String, Service> serviceBefore, Map<String, Service> serviceAfter,
                              Round round, List<Event> events, Prometheus prometheus, int watchExit, List<String> watchErrors) {
    static final double MAX_DOWNTIME_MS = 1000;
    private static final ObjectMapper READ = OutputJson.mapper().copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Prometheus's answers through /api/v1/query.
     *
     * @param rebootsTotalByOutcome         bgreboot_reboots_total by outcome
     * @param downtimeSecondsCountBySource  the downtime histogram's count by source
     * @param downtimeSecondsSumBySource    its sum (seconds) by source
     * @param downtimeSecondsBuckets        its cumulative buckets by upper bound
     * @param scrapes                       how many scrapes of watch Prometheus made
     */
    public record Prometheus(String address, Map<String, String> queries, Map<String, Double> rebootsTotalByOutcome,
                             Map<String, Double> downtimeSecondsCountBySource, Map<String, Double> downtimeSecondsSumBySource,
                             Map<String, Double> downtimeSecondsBuckets, double scrapes) {}

    /** What a VM's service says of itself. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Service(String version, String kernel, String bootId) {
        static final Service NONE = new Service("", "", "");

        static Service parse(String json) {
            try {
                return READ.readValue(json, Service.class);
            } catch (IOException e) {
                return NONE;
            }
        }
    }

    /** The watch's round, as far as the demo reads it: what each VM said, and what the roll did. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Round(List<Asked> vms, Optional<Roll> roll) {
        static final Round NONE = new Round(List.of(), Optional.empty());

        static Round parse(byte[] json) {
            try {
                return READ.readValue(json, Round.class);
            } catch (IOException e) {
                return NONE;
            }
        }

        Optional<Asked> asked(String vm) {
            return vms.stream().filter(a -> a.vm().equals(vm)).findFirst();
        }

        Optional<Rolled> rolled(String vm) {
            return roll.flatMap(r -> r.vms().stream().filter(x -> x.vm().equals(vm)).findFirst());
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Asked(String vm, Optional<Boolean> needsReboot, List<String> reasons) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Roll(List<Rolled> vms) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rolled(String vm, String result, Optional<String> detail, Optional<Double> downtimeMs, Optional<Double> switchMs,
                         Optional<Double> bgReadyMs, Optional<Double> fgPauseMs, Optional<Integer> ackedWrites, Optional<Integer> ackedWritesLost) {}

    /** One event the notify command was given. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Event(String event, Optional<String> vm, String host, String at, Optional<String> detail) {
        static Optional<Event> parse(String line) {
            try {
                return Optional.of(READ.readValue(line, Event.class));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }

    /** The demo's JSON: one entry per VM, Prometheus's answers, the events, and what went wrong. */
    public record Json(int schemaVersion, List<VmRow> vms, Prometheus prometheus, List<Event> events, int watchExit, List<String> problems) {}

    /** One VM of the demo: what it said, what watch did, what its service said before and after. */
    public record VmRow(String vm, boolean flagged, Optional<Boolean> needsReboot, List<String> reasons, String watch, boolean rebooted,
                        Optional<Double> downtimeMs, Optional<Double> switchMs, Optional<Double> bgReadyMs, Optional<Double> fgPauseMs,
                        Optional<Integer> ackedWrites, Optional<Integer> ackedWritesLost, String versionBefore, String versionAfter,
                        String kernelAfter, String bootIdBefore, String bootIdAfter) {}

    private Service before(String vm) {
        return serviceBefore.getOrDefault(vm, Service.NONE);
    }

    private Service after(String vm) {
        return serviceAfter.getOrDefault(vm, Service.NONE);
    }

    private boolean rebooted(String vm) {
        return !Objects.equals(before(vm).bootId(), after(vm).bootId());
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
            Optional<Rolled> r = round.rolled(vm);
            if (flagged.contains(vm)) {
                if (r.isEmpty() || !"switched".equals(r.get().result())) {
                    p.add(vm + ": " + r.map(x -> x.result() + " (" + x.detail().orElse("") + ")").orElse("not rolled by watch"));
                }
                Optional<Double> down = r.flatMap(Rolled::downtimeMs);
                if (down.isEmpty() || down.get() >= MAX_DOWNTIME_MS) {
                    p.add(vm + ": downtime " + down.map(d -> String.format("%.0f", d)).orElse("unmeasured") + " ms, not under " + (int) MAX_DOWNTIME_MS + " ms");
                }
                Optional<Integer> lost = r.flatMap(Rolled::ackedWritesLost);
                if (lost.isEmpty() || lost.get() != 0) {
                    p.add(vm + ": acknowledged writes lost: " + lost.map(String::valueOf).orElse("unknown"));
                }
                if (!"v2".equals(after(vm).version())) {
                    p.add(vm + " serves " + after(vm).version() + ", not v2");
                }
            } else if (r.isPresent()) {
                p.add(vm + " flagged nothing, yet watch rolled it");
            }
        }
        double switched = prometheus.rebootsTotalByOutcome().getOrDefault("switched", 0.0);
        if (switched != flagged.size()) {
            p.add("Prometheus says bgreboot_reboots_total{outcome=\"switched\"} = " + switched + ", not " + flagged.size());
        }
        if (prometheus.downtimeSecondsCountBySource().getOrDefault("prober", 0.0) != flagged.size()) {
            p.add("Prometheus's downtime histogram counts " + prometheus.downtimeSecondsCountBySource() + ", not " + flagged.size() + " measured by the prober");
        }
        long starts = events.stream().filter(e -> e.event().equals("start")).count();
        long ends = events.stream().filter(e -> e.event().equals("switched")).count();
        if (starts != flagged.size() || ends != flagged.size()) {
            p.add("the notify command got " + events.size() + " events, not a start and a switched for each flagged VM");
        }
        return p;
    }

    public String table() {
        Table t = Table.of("VM", "needs reboot (its guest said)", "watch", "downtime", "switch", "writes lost", "version", "boot id");
        for (String vm : vms) {
            Optional<Asked> a = round.asked(vm);
            Optional<Rolled> r = round.rolled(vm);
            String needs = a.flatMap(Asked::needsReboot).map(n -> n ? "yes: " + String.join("; ", a.get().reasons()) : "no").orElse("?");
            String boot = after(vm).bootId();
            t.row(vm, needs, r.map(Rolled::result).orElse("untouched"), ms(r.flatMap(Rolled::downtimeMs)), ms(r.flatMap(Rolled::switchMs)),
                    r.flatMap(Rolled::ackedWritesLost).map(l -> l + " of " + r.get().ackedWrites().map(String::valueOf).orElse("?")).orElse("–"),
                    before(vm).version() + " → " + after(vm).version(),
                    rebooted(vm) ? "new" : "same (" + boot.substring(0, Math.min(8, boot.length())) + "…)");
        }
        StringBuilder b = new StringBuilder(t.toText());
        b.append("\nPrometheus (").append(prometheus.address()).append(", ").append((int) prometheus.scrapes()).append(" scrapes of watch), /api/v1/query:\n");
        b.append("  ").append(prometheus.queries().get("counter")).append("\n");
        prometheus.rebootsTotalByOutcome().forEach((k, v) -> b.append(String.format("    outcome=%-12s %s%n", k, fmt(v))));
        b.append("  ").append(prometheus.queries().get("count")).append(" / _sum:\n");
        prometheus.downtimeSecondsCountBySource().forEach((k, v) -> b.append(String.format("    source=%-8s count %s, sum %.3f s, mean %.0f ms%n", k, fmt(v),
                prometheus.downtimeSecondsSumBySource().getOrDefault(k, Double.NaN), 1000 * prometheus.downtimeSecondsSumBySource().getOrDefault(k, Double.NaN) / v)));
        b.append("  buckets (le: cumulative count):");
        prometheus.downtimeSecondsBuckets().entrySet().stream().sorted((x, y) -> Double.compare(le(x.getKey()), le(y.getKey())))
                .forEach(e -> b.append(" ").append(e.getKey()).append(":").append(fmt(e.getValue())));
        b.append("\n\nevents given to --notify-command:\n");
        events.forEach(e -> b.append("  ").append(e.event()).append(" ").append(e.vm().orElse("(host " + e.host() + ")"))
                .append(e.detail().map(d -> ": " + d).orElse("")).append("\n"));
        return b.toString();
    }

    public Json json() {
        List<VmRow> rows = new ArrayList<>();
        for (String vm : vms) {
            Optional<Rolled> r = round.rolled(vm);
            Optional<Asked> a = round.asked(vm);
            rows.add(new VmRow(vm, flagged.contains(vm), a.flatMap(Asked::needsReboot), a.map(Asked::reasons).orElse(List.of()),
                    r.map(Rolled::result).orElse("untouched"), rebooted(vm), r.flatMap(Rolled::downtimeMs), r.flatMap(Rolled::switchMs),
                    r.flatMap(Rolled::bgReadyMs), r.flatMap(Rolled::fgPauseMs), r.flatMap(Rolled::ackedWrites), r.flatMap(Rolled::ackedWritesLost),
                    before(vm).version(), after(vm).version(), after(vm).kernel(), before(vm).bootId(), after(vm).bootId()));
        }
        return new Json(OutputJson.SCHEMA_VERSION, rows, prometheus, events, watchExit, problems());
    }

    private static double le(String s) {
        return s.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(s);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String ms(Optional<Double> v) {
        return v.map(n -> String.format("%.0f ms", n)).orElse("–");
    }
}
