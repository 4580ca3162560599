package org.bgreboot.spec;

import java.util.Optional;

/** [libvirt]: which libvirt, which domain (the VM's name by default), and whether the switch announces the clone. */
final class LibvirtSection {
    /** @param announce QEMU's announce-self at the switch (libvirt then marks the domain tainted) */
    record Domain(Optional<String> connect, String name, boolean announce) {}

    private LibvirtSection() {}

    static Domain read(SpecFile.Lv lv, String vmName, SpecCheck check) {
        String domain = lv == null || lv.domain() == null ? vmName : lv.domain();
        if (domain.isBlank() || domain.length() > 200 || domain.chars().anyMatch(c -> Character.isISOControl(c) || c == '/')) {
            check.fail("libvirt.domain '" + SpecCheck.shown(domain) + "' is not a domain name");
        }
        Optional<String> connect = lv == null || lv.connect() == null ? Optional.empty() : Optional.of(lv.connect());
        if (connect.isPresent() && !connect.get().matches("[a-z][a-z0-9+.-]*:/[^\\s]*")) {
            check.fail("libvirt.connect '" + SpecCheck.shown(connect.get()) + "' is not a libvirt URI like qemu:///system or qemu+ssh://host/system");
        }
        String announce = lv == null || lv.announce() == null ? "monitor" : lv.announce();
        if (!announce.equals("monitor") && !announce.equals("none")) {
            check.fail("libvirt.announce = \"" + SpecCheck.shown(announce) + "\" is unknown: use \"monitor\" (QEMU's announce-self at the switch; libvirt "
                    + "marks the domain tainted) or \"none\" (the clone's own frames teach the bridge)");
        }
        return new Domain(connect, domain, announce.equals("monitor"));
    }
}
