package org.bgreboot.engine.libvirt;

import java.util.OptionalLong;
import org.bgreboot.engine.Capability;
import org.bgreboot.engine.CpuCeiling;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.InstanceCpu;
import org.libvirt.SchedParameter;

/**
 * How the host schedules a domain, through libvirt's scheduler parameters and pinning: its weight
 * and CPUs ({@link CpuWeights}), its CPU time, and a ceiling on its vCPUs ({@link VcpuCeiling}).
 */
final class DomainCpu implements InstanceCpu {
    private final DomainInstance domain;
    private final CpuWeights weights;
    private Capability<CpuCeiling> ceiling;

    DomainCpu(DomainInstance domain, CpuWeights weights) {
        this.domain = domain;
        this.weights = weights;
    }

    /** Idle: the lowest CPU weight and the host's last CPUs; normal: the VM's own weight and every CPU. */
    @Override public void share(CpuShare share) {
        CpuPlacement p = weights.placement();
        boolean idle = share == CpuShare.IDLE;
        long shares = idle ? CpuPlacement.IDLE_SHARES : weights.normal();
        domain.call("cannot set the CPU weight and pinning of " + domain.describe(), d -> {
            int vcpus = d.getInfo().nrVirtCpu;
            Virt.setSchedulerParameter(d, "cpu_shares", shares, Virt.AFFECT_LIVE);
            byte[] map = idle ? p.lastMap(vcpus) : p.allMap();
            for (int v = 0; v < vcpus; v++) {
                Virt.pinVcpu(d, v, map, Virt.AFFECT_LIVE);
            }
            Virt.pinEmulator(d, map, Virt.AFFECT_LIVE);
            return null;
        });
    }

    @Override public String policy() {
        try {
            int hostCpus = domain.host().cpus();
            return domain.call("cannot read " + domain.describe() + "'s CPU policy", d -> {
                String shares = "?";
                for (SchedParameter s : d.getSchedulerParameters()) {
                    if (s.field.equals("cpu_shares")) {
                        shares = s.getValueAsString();
                    }
                }
                return "cpu_shares " + shares + ", vCPUs on CPU " + CpuPlacement.list(d.getVcpusCpuMaps(), hostCpus);
            });
        } catch (LibvirtFailure e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The domain's CPU time so far (libvirt's domain info, all vCPUs). */
    @Override public OptionalLong usedNanos() {
        try {
            return OptionalLong.of(domain.call("cannot read " + domain.describe() + "'s CPU time", d -> d.getInfo().cpuTime));
        } catch (LibvirtFailure e) {
            return OptionalLong.empty();
        }
    }

    /** libvirt's {@code vcpu_quota}, counted by the host's own cgroups where the host is this machine. Made once, on first ask. */
    @Override public synchronized Capability<CpuCeiling> ceiling() {
        if (ceiling == null) {
            ceiling = Capability.of(new VcpuCeiling(domain, VcpuCgroups.of(domain)));
        }
        return ceiling;
    }
}
