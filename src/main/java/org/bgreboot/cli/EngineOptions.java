package org.bgreboot.cli;

import java.util.Optional;
import org.bgreboot.engine.embedded.Accel;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The options every command that runs VMs shares: which engine, how it runs them. */
final class EngineOptions {
    @Option(names = "--accel", paramLabel = "kvm|tcg", converter = AccelConverter.class,
            description = "Force an accelerator for VMs bgreboot starts (default: KVM if a test boot under it works, else TCG).")
    Accel accel;

    /**
     * {@code --connect URI}, on every command (inherited from the top command, so the VM commands
     * that take no other engine option have it too): the VM is a domain of the libvirt host at
     * URI, named as virsh names it.
     */
    static final class Connection {
        @Option(names = {"--connect", "-c"}, paramLabel = "URI", scope = ScopeType.INHERIT,
                description = "The VM is a libvirt domain on this host (a URI as virsh takes it: qemu:///system, qemu+ssh://host/system, "
                        + "qemu+unix:///system?socket=...). Default: the spec's [libvirt] connect, else LIBVIRT_DEFAULT_URI, else libvirt's "
                        + "default. 'fleet' takes one per host.")
        static java.util.List<String> uris = new java.util.ArrayList<>();

        @Option(names = "--reconnect-timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT,
                description = "How long a lost connection to libvirt (libvirtd restarting) is tried again before the operation under way "
                        + "gives up (default: ${DEFAULT-VALUE}); the domains keep running meanwhile.")
        static long reconnectSeconds = 60;
    }

    /** How long a lost libvirt connection is tried again: --reconnect-timeout. */
    static java.time.Duration reconnect() {
        if (Connection.reconnectSeconds < 0) {
            throw new org.bgreboot.UserError("--reconnect-timeout " + Connection.reconnectSeconds + " is negative: give seconds, 0 for no retry");
        }
        return java.time.Duration.ofSeconds(Connection.reconnectSeconds);
    }

    /** The URI given with --connect, if any; one at most (several are for 'fleet'). */
    static Optional<String> connect() {
        java.util.List<String> all = connections();
        if (all.size() > 1) {
            throw new org.bgreboot.UserError("--connect is given " + all.size() + " times: this command works on one libvirt host (several are for 'bgreboot fleet')");
        }
        return all.stream().findFirst();
    }

    /** Every URI given with --connect, in order. */
    static java.util.List<String> connections() {
        return Connection.uris == null ? java.util.List.of() : Connection.uris.stream().filter(u -> u != null && !u.isBlank()).toList();
    }

    static final class AccelConverter implements picocli.CommandLine.ITypeConverter<Accel> {
        @Override public Accel convert(String value) {
            try {
                return Accel.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
