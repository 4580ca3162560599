package org.bgreboot.watch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.fleet.FleetJson;
import org.bgreboot.fleet.FleetReport;
import org.bgreboot.installed.NeedsReboot;
import org.bgreboot.output.OutputJson;
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

    /** The round as its --json writes it (docs/schema/watch.schema.json). */
    public Json json() {
        List<VmJson> vms = new ArrayList<>();
        for (VmAnswer a : answers) {
            vms.add(new VmJson(a.vm(), a.host(), a.needs().map(NeedsReboot::needed), a.needs().map(NeedsReboot::reasons).orElse(List.of()),
                    a.needs().flatMap(NeedsReboot::nextBoot), a.needs().map(NeedsReboot::running),
                    a.problem().isEmpty() ? Optional.empty() : Optional.of(a.problem()),
                    held.getOrDefault(a.vm(), Optional.empty()).map(HeldReboot::describe)));
        }
        List<HostJson> hosts = new ArrayList<>();
        lockHolders.forEach((h, holder) -> hosts.add(new HostJson(h, !downHosts.contains(h), holder)));
        return new Json(OutputJson.SCHEMA_VERSION, started.toString(), ended.toString(), windowOpen, vms, hosts, resumed,
                roll.map(r -> r.json(r.problems())), notes, waiting, failures());
    }

    /**
     * A round in JSON.
     *
     * @param roll     the fleet's report of what was rolled; null when nothing was
     * @param failures VMs whose reboot ended otherwise than by a switch, with why
     */
    public record Json(int schemaVersion, String started, String ended, boolean windowOpen, List<VmJson> vms, List<HostJson> hosts,
                       boolean resumed, Optional<FleetJson> roll, List<String> notes, boolean waiting, List<String> failures) {}

    /** What a VM said of itself this round; null fields where its agent could not be asked. */
    public record VmJson(String vm, String host, Optional<Boolean> needsReboot, List<String> reasons, Optional<String> nextBootKernel,
                         Optional<String> runningKernel, Optional<String> problem, Optional<String> held) {}

    /** A host: whether it answered, and who held its lease. */
    public record HostJson(String host, boolean answers, Optional<String> lockHolder) {}
}
