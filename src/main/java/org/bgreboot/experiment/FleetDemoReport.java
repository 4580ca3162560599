package org.bgreboot.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.fleet.FleetReport;

/** The fleet demo's report and what it must show: every VM on the update, nothing lost, short downtimes, bounded clones, hosts in parallel. */
public record FleetDemoReport(FleetReport roll, int hosts, int perHost, String newVersion, String newKernel) {
    static final double MAX_DOWNTIME_MS = 1000;

    public List<String> problems() {
        List<String> p = new ArrayList<>(roll.problems());
        int serving = 0;
        for (Map<String, Object> vm : vms()) {
            String name = String.valueOf(vm.get("vm"));
            if (newVersion.equals(vm.get("version_after")) && newKernel.equals(vm.get("kernel_after"))) {
                serving++;
            }
            if (vm.get("acked_writes_lost") instanceof Number n && n.intValue() > 0) {
                p.add(name + " lost " + n + " acknowledged writes");
            }
            if (!(vm.get("downtime_ms") instanceof Number d) || d.doubleValue() >= MAX_DOWNTIME_MS) {
                p.add(name + ": downtime " + vm.get("downtime_ms") + " ms, not under " + (int) MAX_DOWNTIME_MS + " ms");
            }
        }
        if (serving != hosts * perHost) {
            p.add(serving + " of " + hosts * perHost + " VMs serve " + newVersion + " on " + newKernel);
        }
        roll.maxClonesPerHost().forEach((h, n) -> {
            if (n > roll.plan().parallel()) {
                p.add(n + " clones ran at once on " + h + ", more than --parallel " + roll.plan().parallel());
            }
        });
        if (hosts > 1 && !(roll.wallMs() < roll.sumOfRebootsMs())) {
            p.add(String.format("the roll took %.0f ms, not less than the reboots one after the other (%.0f ms)", roll.wallMs(), roll.sumOfRebootsMs()));
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> vms() {
        return (List<Map<String, Object>>) roll.json().get("vms");
    }

    public String table() {
        int serving = (int) vms().stream().filter(v -> newVersion.equals(v.get("version_after")) && newKernel.equals(v.get("kernel_after"))).count();
        return roll.table() + String.format("%d of %d VMs serve %s on %s; acknowledged writes lost: %d%n", serving, hosts * perHost, newVersion, newKernel,
                vms().stream().mapToInt(v -> v.get("acked_writes_lost") instanceof Number n ? n.intValue() : 0).sum());
    }

    public Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("engine", "libvirt");
        j.put("fleet", hosts + "x" + perHost);
        j.putAll(roll.json());
        j.put("problems", problems());
        return j;
    }
}
