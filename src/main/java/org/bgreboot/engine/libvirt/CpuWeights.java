package org.bgreboot.engine.libvirt;

import java.util.function.LongSupplier;
import org.libvirt.SchedParameter;

/**
 * The CPU weights a VM's domains run with: the VM's own (the serving domain's {@code cpu_shares},
 * remembered when its clone is launched, else its definition's, else libvirt's default) and where a
 * booting clone may run ({@link CpuPlacement}).
 */
final class CpuWeights {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CpuWeights.class);
    private final Host host;
    private final LongSupplier defined;
    private CpuPlacement placement;
    private volatile Long normal;

    /** @param defined the VM's definition's weight ({@code <cputune><shares>}, else libvirt's default) */
    CpuWeights(Host host, LongSupplier defined) {
        this.host = host;
        this.defined = defined;
    }

    synchronized CpuPlacement placement() {
        if (placement == null) {
            placement = new CpuPlacement(host.cpus());
        }
        return placement;
    }

    long normal() {
        Long s = normal;
        return s != null ? s : defined.getAsLong();
    }

    /** The serving domain's weight now: what its clone gets back at normal priority. */
    void remember(DomainInstance serving) {
        try {
            serving.call("cannot read the CPU weight of " + serving.describe(), d -> {
                for (SchedParameter p : d.getSchedulerParameters()) {
                    if (p.field.equals("cpu_shares")) {
                        normal = Long.parseLong(p.getValueAsString());
                    }
                }
                return null;
            });
        } catch (LibvirtFailure | NumberFormatException e) {
            log.debug("cpu_shares of {} unknown: {}", serving.describe(), e.toString());
        }
    }
}
