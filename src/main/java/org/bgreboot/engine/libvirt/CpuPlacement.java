package org.bgreboot.engine.libvirt;

/**
 * Where a domain's threads may run on its host. A clone booting beside the VM gets the lowest CPU
 * weight libvirt takes and the host's last CPUs, as many as it has vCPUs but never the first (as
 * the embedded engine does: an idle clone free to roam still cost the VM a quarter of its CPU).
 */
record CpuPlacement(int hostCpus) {
    static final long IDLE_SHARES = 2;

    /** libvirt's cpuset syntax for the clone's CPUs: {@code 1}, {@code 2-3}. */
    String lastCpus(int vcpus) {
        if (hostCpus < 2) {
            return "0";
        }
        int first = Math.max(1, hostCpus - vcpus);
        return first == hostCpus - 1 ? String.valueOf(first) : first + "-" + (hostCpus - 1);
    }

    byte[] lastMap(int vcpus) {
        byte[] m = new byte[(hostCpus + 7) / 8];
        int first = hostCpus < 2 ? 0 : Math.max(1, hostCpus - vcpus);
        for (int c = first; c < hostCpus; c++) {
            m[c / 8] |= (byte) (1 << (c % 8));
        }
        return m;
    }

    byte[] allMap() {
        byte[] m = new byte[(hostCpus + 7) / 8];
        for (int c = 0; c < hostCpus; c++) {
            m[c / 8] |= (byte) (1 << (c % 8));
        }
        return m;
    }

    /** The CPUs of a binding cpumap (one int per byte of libvirt's bitmap, vCPU after vCPU), for reports: {@code 1} or {@code 0,1}. */
    static String list(int[] maps, int hostCpus) {
        java.util.TreeSet<Integer> cpus = new java.util.TreeSet<>();
        int bytes = (hostCpus + 7) / 8;
        for (int i = 0; i < maps.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                if ((maps[i] & (1 << bit)) != 0) {
                    int cpu = (i % bytes) * 8 + bit;
                    if (cpu < hostCpus) {
                        cpus.add(cpu);
                    }
                }
            }
        }
        return cpus.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }
}
