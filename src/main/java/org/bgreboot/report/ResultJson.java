package org.bgreboot.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bgreboot.reboot.KeptService;
import org.bgreboot.reboot.KeptState;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.TimedStep;

import org.bgreboot.report.RebootMeasurement;
/** Reboot results as JSON objects with stable snake_case keys (null where a method has no such part). */
public final class ResultJson {
    private ResultJson() {}

    /** The flow's own figures. */
    public static Map<String, Object> of(RebootResult x) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("vm", x.vm());
        j.put("engine", x.engine());
        j.put("method", x.method().label());
        j.put("switch_mode", x.method() == Method.BACKGROUND ? x.switchMode().name().toLowerCase() : null);
        j.put("outcome", x.outcome().kind().key());
        j.put("outcome_detail", x.outcome().describe());
        j.put("failed_step", x.outcome() instanceof Outcome.ColdBooted c ? c.failedStep().key() : null);
        j.put("fg_pause_ms", num(x.fgPauseMs()));
        j.put("bg_ready_ms", x.method() == Method.BACKGROUND ? num(x.bgReadyMs()) : null);
        j.put("switch_ms", num(x.switchMs()));
        j.put("install_ms", num(x.installMs()));
        j.put("disk_handover", x.diskHandover().map(h -> h.name().toLowerCase()).orElse(null));
        j.put("bg_share", x.bgShare().map(b -> b.requested().label()).orElse(null));
        j.put("bg_share_effective", x.bgShare().map(b -> b.effective().label()).orElse(null));
        j.put("bg_throttled_ms", x.bgShare().map(b -> num(b.cappedMs())).orElse(null));
        j.put("fg_stopped_after_bg_ready", x.fgStoppedAfterReady());
        j.put("generation", x.generation());
        j.put("serving", x.serving().orElse(null));
        j.put("chain_depth", x.chainDepth());
        Map<String, Object> steps = new LinkedHashMap<>();
        for (TimedStep s : x.steps()) {
            steps.merge(s.part().key(), num(s.ms()), (a, b) -> a);
        }
        j.put("steps_ms", steps);
        j.put("kept_state", x.keptState().map(ResultJson::kept).orElse(null));
        return j;
    }

    /** What keeping state did, per service: the names {@link KeptState}'s records have in snake_case. */
    static Map<String, Object> kept(KeptState k) {
        Map<String, Object> j = new LinkedHashMap<>();
        java.util.List<Map<String, Object>> services = new java.util.ArrayList<>();
        for (KeptService s : k.services()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", s.name());
            o.put("unit", s.unit());
            o.put("fate", s.fate().key());
            o.put("reason", s.reason().orElse(null));
            o.put("connections_kept", s.connectionsKept());
            o.put("pre_dumps", s.preDumps());
            o.put("pre_dump_frozen_ms", num(s.preDumpFrozenMs()));
            o.put("pre_dump_bytes", s.preDumpBytes());
            o.put("dump_ms", num(s.dumpMs()));
            o.put("dump_frozen_ms", num(s.dumpFrozenMs()));
            o.put("dump_bytes", s.dumpBytes());
            o.put("restore_ms", num(s.restoreMs()));
            o.put("pid", s.pid());
            services.add(o);
        }
        j.put("services", services);
        j.put("note", k.note().orElse(null));
        return j;
    }

    /** The flow's figures plus what clients saw. */
    public static Map<String, Object> of(RebootMeasurement r) {
        Map<String, Object> j = of(r.reboot());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", j.remove("method"));
        m.put("downtime_ms", num(r.downtime().downtimeMs()));
        m.putAll(j);
        m.put("time_to_new_os_ms", num(r.downtime().timeToNewOsMs()));
        m.put("link_up_to_first_answer_ms", num(r.linkUpToFirstAnswerMs()));
        m.put("max_probe_gap_ms", num(r.downtime().maxGapMs()));
        m.put("acked_writes", r.ledger().ackedCount());
        m.put("acked_writes_lost", r.ledger().missingAcked().size());
        m.put("acked_writes_during_bg_boot", r.reboot().method() == Method.BACKGROUND ? r.writesDuringBgBoot() : null);
        m.put("write_gap_ms", num(r.writes().maxAckGapMs()));
        m.put("version_before", r.downtime().versionBefore());
        m.put("version_after", r.downtime().versionAfter());
        m.put("kernel_before", r.downtime().kernelBefore());
        m.put("kernel_after", r.downtime().kernelAfter());
        return m;
    }

    public static Double num(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 10) / 10.0;
    }
}
