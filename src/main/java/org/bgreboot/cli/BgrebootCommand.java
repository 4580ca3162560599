package org.bgreboot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "bgreboot", mixinStandardHelpOptions = true, version = "bgreboot 0.1.0",
        description = "Reboot a VM into an updated OS in the background, then switch over in milliseconds.")
public final class BgrebootCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    static int run(String... args) {
        return new CommandLine(new BgrebootCommand()).execute(args);
    }
}
