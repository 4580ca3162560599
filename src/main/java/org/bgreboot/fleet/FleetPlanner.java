package org.bgreboot.fleet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.UserError;
import org.bgreboot.engine.Vm;

/**
 * Plans a roll before anything acts: finds each VM on exactly one host (by its domains' bgreboot
 * metadata, or a domain of that name), opens it there (its domain checked as for any reboot),
 * and puts each host's VMs into waves of {@code parallel}. Every refusal is one line.
 */
final class FleetPlanner {
    private FleetPlanner() {}

    static FleetPlan plan(FleetRequest r, FleetHosts hosts) {
        if (r.all() == !r.vms().isEmpty()) {
            throw new UserError(r.all() ? "give VM names or --all, not both" : "name the VMs to reboot, or give --all for every VM bgreboot knows on the hosts");
        }
        Map<String, String> hostOf = new LinkedHashMap<>();
        if (r.all()) {
            for (String uri : hosts.uris()) {
                for (String vm : hosts.vmsOn(uri)) {
                    String other = hostOf.putIfAbsent(vm, uri);
                    if (other != null) {
                        throw twoHosts(vm, other, uri);
                    }
                }
            }
            if (hostOf.isEmpty()) {
                throw new UserError("no VM that bgreboot knows on " + String.join(", ", hosts.uris())
                        + " (a domain becomes one when bgreboot first starts or reboots it with its spec): name the VMs instead");
            }
        } else {
            for (String vm : r.vms()) {
                List<String> on = new ArrayList<>();
                for (String uri : hosts.uris()) {
                    if (hosts.has(uri, vm)) {
                        on.add(uri);
                    }
                }
                if (on.isEmpty()) {
                    throw new UserError("VM " + vm + " is on no host of the roll (" + String.join(", ", hosts.uris()) + "): check its name "
                            + "('bgreboot vm list --connect URI') or add its host with --connect");
                }
                if (on.size() > 1) {
                    throw twoHosts(vm, on.get(0), on.get(1));
                }
                if (hostOf.put(vm, on.get(0)) != null) {
                    throw new UserError("VM " + vm + " is named twice");
                }
            }
        }
        List<PlannedVm> planned = new ArrayList<>();
        Map<String, Integer> perHost = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : hostOf.entrySet()) {
            Vm vm = hosts.vm(e.getValue(), e.getKey());
            if (!vm.spec().name().equals(e.getKey())) {
                throw new UserError("'" + e.getKey() + "' is a domain of VM " + vm.spec().name() + ": name the VM by its name");
            }
            int i = perHost.merge(e.getValue(), 1, Integer::sum) - 1;
            planned.add(new PlannedVm(e.getKey(), e.getValue(), i / r.parallel(), vm.spec().memory().bytes()));
        }
        return new FleetPlan(FleetPlan.newId(), hosts.uris(), planned, r.parallel(), r.maxUnavailable(), r.onFailure(), r.measure());
    }

    private static UserError twoHosts(String vm, String a, String b) {
        return new UserError("VM " + vm + " is on two hosts, " + a + " and " + b + ": a VM must live on one host; remove the stray domain or "
                + "leave one host out of the roll");
    }
}
