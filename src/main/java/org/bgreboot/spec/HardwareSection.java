package org.bgreboot.spec;

import java.util.Set;

/** The embedded VM's machine: memory (bounded by this host's), CPUs, machine type. */
final class HardwareSection {
    static final long MIN_MEMORY = 64L << 20;
    private static final Set<String> MACHINES = Set.of("q35", "pc");

    private HardwareSection() {}

    static ByteSize memory(String text, long hostMemoryBytes, SpecCheck check) {
        check.require(text, "memory", "memory = \"512M\"");
        ByteSize size;
        try {
            size = ByteSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw check.fail("memory " + e.getMessage());
        }
        if (size.bytes() < MIN_MEMORY || size.bytes() > hostMemoryBytes) {
            check.fail("memory = \"" + text + "\" is impossible on this host: use between 64M and " + ByteSize.ofMiB(hostMemoryBytes >> 20));
        }
        return size;
    }

    static int cpus(Integer value, SpecCheck check) {
        int cpus = value == null ? 1 : value;
        int most = Runtime.getRuntime().availableProcessors() * 4;
        if (cpus < 1 || cpus > most) {
            check.fail("cpus = " + cpus + " is impossible: use 1 to " + most);
        }
        return cpus;
    }

    static String machine(String value, SpecCheck check) {
        String machine = value == null ? "q35" : value;
        if (!MACHINES.contains(machine)) {
            check.fail("machine '" + machine + "' is not supported: use q35 (default) or pc");
        }
        return machine;
    }
}
