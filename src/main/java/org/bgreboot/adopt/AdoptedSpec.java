package org.bgreboot.adopt;

import org.bgreboot.Version;

/**
 * The spec adopt writes for a domain, as TOML a person could have written: the domain, its
 * persistent disk, and the guest package's hooks and readiness. No [update]: the VM reboots into
 * what the guest installs itself (its boot loader's next boot), and only when it needs to.
 */
record AdoptedSpec(String vm, String domain, DiskRef disk) {

    /** The persistent disk by its target in the domain ({@code vdb}) or by its serial. */
    record DiskRef(String target, String serial) {
        String toml() {
            return !target.isEmpty() ? "target = " + quoted(target) : "serial = " + quoted(serial);
        }

        String describe() {
            return !target.isEmpty() ? "target " + target : "serial " + serial;
        }
    }

    /** What the bgreboot-guest package installs (guest/package/bgreboot-guest). */
    static final String RELEASE = "/usr/sbin/bgreboot-release";
    static final String ATTACH = "/usr/sbin/bgreboot-attach";
    static final String READY = "/usr/sbin/bgreboot-ready";

    String toml() {
        return "# adopted by " + Version.full() + " from libvirt domain " + domain + "\n"
                + "name = " + quoted(vm) + "\n"
                + "engine = \"libvirt\"\n\n"
                + "[libvirt]\n"
                + "domain = " + quoted(domain) + "\n\n"
                + "[persistent_disk]\n"
                + disk.toml() + "\n\n"
                + "[hooks]\n"
                + "release = [" + quoted(RELEASE) + "]\n"
                + "attach = [" + quoted(ATTACH) + "]\n\n"
                + "[ready]\n"
                + "commands = [[" + quoted(READY) + "]]\n";
    }

    /** A TOML basic string; names and targets here are plain words, so escaping quotes and backslashes is enough. */
    static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
