package org.bgreboot.cli;

import java.util.List;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/**
 * {@code vm list --connect URI}: every domain of a libvirt host and the VM it is now (from
 * bgreboot's metadata in it), instead of the VMs known here.
 */
final class DomainList {
    private DomainList() {}

    /** A serving VM's pending reboot, asked through its agent: the spec its domain carries says how to reach it. */
    private static String needsReboot(LibvirtEngine e, LibvirtEngine.Listing l) {
        try {
            org.bgreboot.Home home = org.bgreboot.Home.fromEnvironment();
            VmSpec spec = e.specOf(l.vm(), SpecLoader.forThisHost(home.vms())).orElseThrow().connectingTo(e.uri());
            return e.vm(spec, home.stateDir(spec.name())).serving().map(i -> {
                try (i) {
                    return "; needs reboot: " + NeedsRebootColumn.of(i);
                }
            }).orElse("");
        } catch (RuntimeException ex) {
            return "";
        }
    }

    static int run(java.io.PrintWriter err) {
        try (LibvirtEngine e = LibvirtEngine.connect(EngineOptions.connect(), EngineOptions.reconnect())) {
            List<LibvirtEngine.Listing> all = e.list();
            System.out.println(String.format("%-20s %-24s %-8s %s", "VM", "DOMAIN", "STATE", "") + "(" + e.uri() + ")");
            for (LibvirtEngine.Listing l : all) {
                System.out.println(l.line() + (l.running() && !l.vm().isEmpty() && l.role().equals("serving") ? needsReboot(e, l) : ""));
            }
            if (all.isEmpty()) {
                System.out.println("no domains on " + e.uri());
            }
            return 0;
        } catch (RuntimeException ex) {
            return BgrebootCommand.report(err, ex);
        }
    }
}
