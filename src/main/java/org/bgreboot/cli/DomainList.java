package org.bgreboot.cli;

import java.util.List;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import picocli.CommandLine;

/**
 * {@code vm list --connect URI}: every domain of a libvirt host and the VM it is now (from
 * bgreboot's metadata in it), instead of the VMs known here. (Taken before {@code vm list} runs:
 * see docs/seam-requests.md.)
 */
final class DomainList {
    private DomainList() {}

    static boolean wanted(CommandLine.ParseResult parsed) {
        List<CommandLine> cmds = parsed.asCommandLineList();
        CommandLine last = cmds.get(cmds.size() - 1);
        return !EngineOptions.connections().isEmpty() && last.getCommandName().equals("list") && cmds.size() >= 2
                && cmds.get(cmds.size() - 2).getCommandName().equals("vm") && !last.isUsageHelpRequested();
    }

    static int run(CommandLine.ParseResult parsed) {
        CommandLine cmd = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
        try (LibvirtEngine e = LibvirtEngine.connect(EngineOptions.connect())) {
            List<LibvirtEngine.Listing> all = e.list();
            System.out.println(String.format("%-20s %-24s %-8s %s", "VM", "DOMAIN", "STATE", "") + "(" + e.uri() + ")");
            all.forEach(l -> System.out.println(l.line()));
            if (all.isEmpty()) {
                System.out.println("no domains on " + e.uri());
            }
            return 0;
        } catch (RuntimeException ex) {
            return BgrebootCommand.report(cmd.getErr(), ex);
        }
    }
}
