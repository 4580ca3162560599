package org.bgreboot.reboot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.keep.DumpReport;
import org.bgreboot.keep.GuestKeep;
import org.bgreboot.keep.KeepLimits;
import org.bgreboot.keep.KeptUnit;
import org.bgreboot.keep.RestoreReport;
import org.bgreboot.spec.VmSpec;

/**
 * Keeping the guest's named services across the switch ({@code reboot --keep-state}), as the steps
 * call it (guest/keep/README.md, "the flow contract"): arm FG before the clone point, pre-dump FG
 * once after it and once just before the switch, guard the clone's kept ports, the final dump in
 * the switch between the network's move and the release, the status after the attach; a rollback
 * after the dump resumes, an abort disarms. Only the final dump is on the switch's path.
 *
 * <p>Nothing here fails a reboot: every call that fails leaves the service on the restart path
 * (stopped or frozen with the disk in FG, started in BG), and the failure is kept for the result.
 * Every call is safe to repeat (recovery replays the steps).
 */
final class KeptServices {
    /** A reboot that does not keep state: every call does nothing. */
    static final KeptServices OFF = new KeptServices(null, null, null, null, false);

    private final KeepLimits limits;
    private final Timings t;
    private final Progress progress;
    private final VmSpec spec;
    private final boolean on;
    /** The services PREPARE found, by name (empty in a recovery, which did not ask). */
    private final Map<String, KeptUnit> units = new LinkedHashMap<>();
    private Optional<String> armFailed = Optional.empty();
    private final Map<String, List<DumpReport>> preDumps = new LinkedHashMap<>();
    private final Map<String, DumpReport> dumps = new LinkedHashMap<>();
    private Optional<String> dumpFailed = Optional.empty();
    private final Map<String, RestoreReport> restores = new LinkedHashMap<>();
    private Optional<String> statusFailed = Optional.empty();
    private boolean resumed;

    private KeptServices(KeepLimits limits, Timings t, Progress progress, VmSpec spec, boolean on) {
        this.limits = limits;
        this.t = t;
        this.progress = progress;
        this.spec = spec;
        this.on = on;
    }

    static KeptServices of(RebootPlan plan, RebootOptions opts, Timings t, Progress progress, VmSpec spec) {
        return plan.keepState() ? new KeptServices(opts.keepState().orElse(KeepLimits.CONTRACT), t, progress, spec, true) : OFF;
    }

    /**
     * PREPARE: the services the guest names, each with why it could not be kept now (a service not
     * set up is restarted, and the result says why). A guest without bgreboot-keep, or naming no
     * service, is refused in one line before anything changes.
     */
    static List<KeptUnit> check(VmSpec spec, Instance fg, KeepLimits limits) {
        Optional<List<KeptUnit>> listed;
        try {
            listed = new GuestKeep(fg.agent()).list(limits.status());
        } catch (GuestKeep.KeepFailed e) {
            throw new UserError("--keep-state: VM " + spec.name() + " could not say which services it keeps (" + e.getMessage()
                    + "); update bgreboot-keep with 'bgreboot guest install --keep-state " + spec.name() + "'");
        }
        if (listed.isEmpty()) {
            throw new UserError("--keep-state: VM " + spec.name() + " has no bgreboot-keep; install it with 'bgreboot guest install --keep-state "
                    + spec.name() + "', or reboot without --keep-state");
        }
        if (listed.get().isEmpty()) {
            throw new UserError("--keep-state: VM " + spec.name() + " names no service in /etc/bgreboot/keep.d (see guest/keep/README.md); "
                    + "name one there, or reboot without --keep-state");
        }
        return listed.get();
    }

    boolean on() {
        return on;
    }

    /** What PREPARE found; a service that cannot be kept now is said so at once. */
    void known(List<KeptUnit> found) {
        if (!on) {
            return;
        }
        for (KeptUnit u : found) {
            units.put(u.name(), u);
            progress.step("  keep " + u.name() + " (" + u.unit() + ")" + u.whyNot().map(w -> ": it will be restarted, " + w).orElse(""));
        }
    }

    /** PREPARE, before the clone point: the clone is cut from an armed system disk. */
    void arm(Instance fg) {
        if (on) {
            armFailed = attempt(Part.KEEP_ARM, () -> {
                new GuestKeep(fg.agent()).arm(limits.arm());
                return null;
            }).failure();
        }
    }

    /** The undo of {@link #arm}: the marker and every image go. */
    void disarm(Instance fg) {
        if (on) {
            attempt(Part.KEEP_DISARM, () -> {
                new GuestKeep(fg.agent()).disarm(limits.arm());
                return null;
            }).failure().ifPresent(why -> progress.step("  could not disarm the kept services: " + why));
        }
    }

    /** FG, while the clone boots: one pre-dump. Each freezes the service for a moment, so a few, never a loop. */
    void preDump(Instance fg) {
        if (!on || armFailed.isPresent()) {
            return;
        }
        Attempt<List<DumpReport>> a = attempt(Part.KEEP_PRE_DUMP, () -> new GuestKeep(fg.agent()).preDump(limits.preDump()));
        a.value().ifPresent(reports -> reports.forEach(r -> {
            preDumps.computeIfAbsent(r.service(), k -> new ArrayList<>()).add(r);
            progress.step(r.done() ? String.format("  pre-dumped %s: %.1f MB, frozen %.1f s", r.service(), r.bytes() / 1e6, r.frozenMs() / 1000)
                    : "  pre-dump of " + r.service() + " failed (the final dump will be a full one): " + r.reason().orElse(""));
        }));
        a.failure().ifPresent(why -> progress.step("  pre-dump failed (the final dump will be a full one): " + why));
    }

    /**
     * The clone, once ready: what arrives for the kept ports is held until the restore and let through
     * then (or dropped, without a holder in the guest), never answered with a reset.
     */
    void guard(Instance bg) {
        if (on && armFailed.isEmpty()) {
            attempt(Part.KEEP_GUARD, () -> new GuestKeep(bg.agent()).guard(limits.guard()))
                    .failure().ifPresent(why -> progress.step("  could not guard the kept ports in the clone (its ready.d does too): " + why));
        }
    }

    /**
     * The clone, once guarded, before the switch (a handover: its attach hook restores): each kept
     * unit's start begins now and waits for the attach, so that systemd's part of it is not inside
     * the outage. A unit not primed (an older bgreboot-keep, a unit that needs the disk's mount to
     * start) starts at the attach as before.
     */
    void prime(Instance bg) {
        if (!on || armFailed.isPresent()) {
            return;
        }
        Attempt<List<String>> a = attempt(Part.KEEP_PRIME, () -> new GuestKeep(bg.agent()).prime(limits.guard()));
        a.value().ifPresent(notPrimed -> notPrimed.forEach(why -> progress.step("  not primed (started at the attach): " + why)));
        a.failure().ifPresent(why -> progress.step("  could not prime the kept units in the clone (started at the attach): " + why));
    }

    /** The switch, after the network moved and before the release: the final dump, the services left stopped. */
    void dump(Instance fg) {
        if (!on || armFailed.isPresent()) {
            return;
        }
        Attempt<List<DumpReport>> a = attempt(Part.KEEP_DUMP, () -> new GuestKeep(fg.agent()).dump(limits.dump()));
        a.value().ifPresent(reports -> reports.forEach(r -> dumps.put(r.service(), r)));
        dumpFailed = a.failure();
        if (dumpFailed.isPresent()) {
            // a dump that did not answer may have stopped what it had seized: let it go on, it takes the restart path
            resume(fg);
            resumed = false;
        }
    }

    /** A rollback after the dump: FG's stopped services go on, their connections were only locked. */
    void resume(Instance fg) {
        if (on) {
            Attempt<List<String>> a = attempt(Part.KEEP_RESUME, () -> new GuestKeep(fg.agent()).resume(limits.resume()));
            resumed = a.failure().isEmpty() && !dumps.isEmpty();
            a.failure().ifPresent(why -> progress.step("  could not resume the kept services in FG: " + why));
        }
    }

    /** The new VM after the attach (its attach hook restored or started each service): what happened. */
    void status(Instance serving) {
        if (!on) {
            return;
        }
        Attempt<List<RestoreReport>> a = attempt(Part.KEEP_STATUS, () -> new GuestKeep(serving.agent()).status(limits.status()));
        a.value().ifPresent(reports -> reports.forEach(r -> restores.put(r.service(), r)));
        statusFailed = a.failure();
    }

    /** What became of each service, for the result; empty when the reboot did not keep state. */
    Optional<KeptState> result(Outcome outcome) {
        if (!on) {
            return Optional.empty();
        }
        boolean bridged = spec.network().mode() != VmSpec.Network.Mode.USER;
        List<String> names = new ArrayList<>(units.keySet());
        for (Map<String, ?> m : List.of(preDumps, dumps, restores)) {
            m.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
        }
        List<KeptService> out = new ArrayList<>();
        for (String n : names) {
            out.add(service(n, outcome, bridged));
        }
        Optional<String> note = bridged ? Optional.empty() : Optional.of("user networking: a kept service's clients' connections end in QEMU's own"
                + " network stack, which ends with the old VM; state is kept, connections are not");
        return Optional.of(new KeptState(out, note));
    }

    private KeptService service(String name, Outcome outcome, boolean bridged) {
        List<DumpReport> pre = preDumps.getOrDefault(name, List.of()).stream().filter(DumpReport::done).toList();
        int preCount = pre.size();
        double preFrozen = pre.stream().mapToDouble(DumpReport::frozenMs).sum();
        long preBytes = pre.stream().mapToLong(DumpReport::bytes).sum();
        String unit = Optional.ofNullable(units.get(name)).map(KeptUnit::unit).orElse("");
        DumpReport d = dumps.get(name);
        double dumpMs = d == null ? Double.NaN : d.ms();
        double dumpFrozen = d == null ? Double.NaN : d.frozenMs();
        long dumpBytes = d == null || !d.done() ? 0 : d.bytes();
        RestoreReport r = restores.get(name);
        double restoreMs = r == null || r.kind() == RestoreReport.Kind.DUMP_FAILED ? Double.NaN : r.ms();
        KeptService.Fate fate;
        String why = null;
        if (outcome instanceof Outcome.Aborted) {
            fate = KeptService.Fate.RAN_ON;
            why = d != null && d.done() ? (resumed ? "the reboot was aborted after its dump: resumed" : "the reboot was aborted after its dump")
                    : "the reboot was aborted: disarmed";
        } else if (r != null && r.kind() == RestoreReport.Kind.RESTORED) { // the new VM's word: it runs the old one's processes
            fate = KeptService.Fate.KEPT;
        } else if (r != null && r.kind() == RestoreReport.Kind.RESTORE_FAILED) {
            fate = KeptService.Fate.RESTARTED;
            why = "the restore failed, so it was started as usual: " + r.reason().orElse("");
        } else if (armFailed.isPresent()) {
            fate = KeptService.Fate.RESTARTED;
            why = "arming failed: " + armFailed.get();
        } else if (d != null && !d.done()) {
            fate = KeptService.Fate.RESTARTED;
            why = "the dump failed: " + d.reason().orElse("");
        } else if (r != null) { // DUMP_FAILED, as the new VM read it off the disk
            fate = KeptService.Fate.RESTARTED;
            why = "the dump failed: " + r.reason().orElse("");
        } else if (d == null) {
            fate = KeptService.Fate.RESTARTED;
            why = dumpFailed.map(f -> "the dump failed: " + f).orElseGet(() -> Optional.ofNullable(units.get(name)).flatMap(KeptUnit::whyNot)
                    .orElse("it was not dumped"));
        } else {
            fate = KeptService.Fate.UNKNOWN;
            why = statusFailed.map(f -> "the new VM did not say whether it restored it: " + f)
                    .orElse(outcome instanceof Outcome.Switched ? "the new VM did not report it" : outcome.describe());
        }
        boolean connections = fate == KeptService.Fate.KEPT && bridged;
        return new KeptService(name, unit, fate, Optional.ofNullable(why), connections, preCount, preFrozen, preBytes, dumpMs, dumpFrozen, dumpBytes,
                restoreMs, r != null && r.kind() == RestoreReport.Kind.RESTORED ? r.pid() : 0,
                r != null && r.kind() == RestoreReport.Kind.RESTORED ? r.held() : OptionalInt.empty());
    }

    /** A call's value, or why it failed. */
    private record Attempt<T>(Optional<T> value, Optional<String> failure) {}

    /** Timed and never thrown: a failure is the restart path's reason. */
    private <T> Attempt<T> attempt(Part part, Supplier<T> call) {
        try {
            return new Attempt<>(Optional.ofNullable(t.step(part, call)), Optional.empty());
        } catch (RuntimeException e) {
            return new Attempt<>(Optional.empty(), Optional.of(e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }
}
