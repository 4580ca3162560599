package org.bgreboot.cli;

import java.util.List;
import org.bgreboot.engine.libvirt.LibvirtEngine;

/**
 * {@code vm list --connect URI}: every domain of a libvirt host and the VM it is now (from
 * bgreboot's metadata in it), instead of the VMs known here.
 */
final class DomainList {
    private DomainList() {}

    static int run(java.io.PrintWriter err) {
        try (LibvirtEngine e = LibvirtEngine.connect(EngineOptions.connect(), EngineOptions.reconnect())) {
            List<LibvirtEngine.Listing> all = e.list();
            System.out.println(String.format("%-20s %-24s %-8s %s", "VM", "DOMAIN", "STATE", "") + "(" + e.uri() + ")");
            all.forEach(l -> System.out.println(l.line()));
            if (all.isEmpty()) {
                System.out.println("no domains on " + e.uri());
            }
            return 0;
        } catch (RuntimeException ex) {
            return BgrebootCommand.report(err, ex);
        }
    }
}
