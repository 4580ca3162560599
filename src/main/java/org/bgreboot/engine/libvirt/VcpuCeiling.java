package org.bgreboot.engine.libvirt;

import java.util.OptionalLong;
import org.bgreboot.engine.CpuCeiling;

/**
 * A CFS quota on each vCPU of a domain through libvirt's scheduler parameters ({@code vcpu_quota}
 * of a 100 ms period, which libvirt writes into each vCPU's cgroup); the time it held them back
 * is read from those cgroups' own counters ({@link VcpuCgroups}).
 */
final class VcpuCeiling implements CpuCeiling {
    private static final long PERIOD_US = 100_000;
    private final DomainInstance domain;
    private final VcpuCgroups counted;

    VcpuCeiling(DomainInstance domain, VcpuCgroups counted) {
        this.domain = domain;
        this.counted = counted;
    }

    /** At most {@code fraction} of one CPU per vCPU; 1 lifts it. */
    @Override public void set(double fraction) {
        long quota = fraction >= 1 ? -1 : Math.max(1000, (long) (fraction * PERIOD_US));
        domain.call("libvirt refused the vcpu_quota of " + domain.describe(), d -> {
            Virt.setSchedulerParameter(d, "vcpu_period", PERIOD_US, Virt.AFFECT_LIVE);
            Virt.setSchedulerParameter(d, "vcpu_quota", quota, Virt.AFFECT_LIVE);
            return null;
        });
    }

    @Override public OptionalLong throttledMicros() {
        return counted.throttledMicros();
    }

    @Override public String whyUncounted() {
        return counted.why();
    }
}
