package org.bgreboot.watch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.fleet.VmProgress;

/**
 * One round of a watch: what every VM said, which hosts answered and who held their locks, what
 * was rolled (the fleet's report) or why nothing was, and whether work waits for a window.
 *
 * @param waiting VMs that need a reboot and wait for a window, a lock or a veto (the loop wakes at the next opening)
 */
public record RoundReport(Instant started, Instant ended, boolean windowOpen, List<VmAnswer> answers, Map<String, Optional<HeldReboot>> held,
                          List<String> downHosts, Map<String, Optional<String>> lockHolders, Optional<FleetReport> roll, boolean resumed,
                          List<String> notes, boolean waiting) {

    /** VMs whose reboot in this round ended otherwise than by a switch (aborted, cold-booted, down, failed). */
    public List<String> failures() {
        List<String> out = new ArrayList<>();
        roll.ifPresent(r -> r.vms().stream()
                .filter(p -> p.state() != VmProgress.State.SWITCHED && p.state() != VmProgress.State.PENDING && p.state() != VmProgress.State.SKIPPED)
                .forEach(p -> out.add(p.vm() + ": " + p.state().name().toLowerCase() + (p.detail().isEmpty() ? "" : ": " + p.detail()))));
        return out;
    }

    /** VMs of the roll that stay pending (held by a window, a veto, a lost lock, a stop). */
    public List<String> pending() {
        return roll.map(r -> r.vms().stream().filter(p -> p.state() == VmProgress.State.PENDING || p.state() == VmProgress.State.RUNNING)
                .map(VmProgress::vm).toList()).orElse(List.of());
    }

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("started", started.toString());
        j.put("ended", ended.toString());
        j.put("window_open", windowOpen);
        List<Map<String, Object>> vms = new ArrayList<>();
        for (VmAnswer a : answers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vm", a.vm());
            m.put("host", a.host());
            m.put("needs_reboot", a.needs().map(n -> (Object) n.needed()).orElse(null));
            m.put("reasons", a.needs().map(n -> n.reasons()).orElse(List.of()));
            m.put("next_boot_kernel", a.needs().flatMap(n -> n.nextBoot()).orElse(null));
            m.put("running_kernel", a.needs().map(n -> n.running()).orElse(null));
            m.put("problem", a.problem().isEmpty() ? null : a.problem());
            m.put("held", held.getOrDefault(a.vm(), Optional.empty()).map(HeldReboot::describe).orElse(null));
            vms.add(m);
        }
        j.put("vms", vms);
        List<Map<String, Object>> hosts = new ArrayList<>();
        lockHolders.forEach((h, holder) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", h);
            m.put("answers", !downHosts.contains(h));
            m.put("lock_holder", holder.orElse(null));
            hosts.add(m);
        });
        j.put("hosts", hosts);
        j.put("resumed", resumed);
        j.put("roll", roll.map(FleetReport::json).orElse(null));
        j.put("notes", notes);
        j.put("waiting", waiting);
        j.put("failures", failures());
        return j;
    }
}
