package org.bgreboot.cli;

import java.io.PrintWriter;
import org.bgreboot.UserError;
import org.bgreboot.ExplainedFailure;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bgreboot", mixinStandardHelpOptions = true, versionProvider = BgrebootCommand.VersionProvider.class,
        description = "Reboot a VM into an updated OS in the background, then switch over in milliseconds.",
        exitCodeListHeading = "%nExit codes (reboot, recover, fleet, bench, soak and the demos report a reboot's outcome by them):%n",
        exitCodeList = {
                "0:done; a reboot: the VM serves the update (switched, or rebooted in place)",
                "1:an operation failed unexpectedly; the message says what",
                "2:bad input; nothing was changed",
                "3:the reboot aborted before its point of no return; the VM kept serving, unchanged",
                "4:the switch failed past its point of no return; the updated disks were cold-booted",
                "5:nothing serves; the message says what to fix",
                "130:stopped by SIGINT before the point of no return (aborted)",
                "143:stopped by SIGTERM before the point of no return (aborted)"},
        subcommands = {VmCommand.class, GuestCommand.class, AdoptCommand.class, RebootCommand.class, RecoverCommand.class, DemoCommand.class, FleetCommand.class, WatchCommand.class, BenchCommand.class, SoakCommand.class, CommandLine.HelpCommand.class})
public final class BgrebootCommand implements Runnable {
    /** Exit status for a user's mistake (bad spec, VM not running...). */
    static final int EXIT_USER_ERROR = ExitCode.USAGE.code;
    /** Exit status when an operation failed (QEMU misbehaved). */
    static final int EXIT_FAILED = ExitCode.FAILED.code;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** The version picocli prints for {@code --version}. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            return new String[] {org.bgreboot.Version.full()};
        }
    }

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of failures.")
    static boolean debug;

    @CommandLine.Mixin EngineOptions.Connection connection;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    static int run(String... args) {
        CommandLine cl = new CommandLine(new BgrebootCommand());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> report(cmd.getErr(), e));
        cl.setParameterExceptionHandler((e, args2) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("bgreboot: " + oneLine(e.getMessage()) + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USER_ERROR;
        });
        return cl.execute(args);
    }

    /** One line per failure; a stack trace only with --debug. */
    static int report(PrintWriter err, Exception e) {
        boolean user = e instanceof UserError;
        boolean known = user || e instanceof ExplainedFailure;
        String msg = oneLine(e.getMessage() == null ? e.toString() : e.getMessage());
        err.println("bgreboot: " + msg + (known || debug ? "" : " (run with --debug for details)"));
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return user ? EXIT_USER_ERROR : EXIT_FAILED;
    }

    /** A message as one line: what the user typed may hold newlines or other control characters. */
    static String oneLine(String msg) {
        StringBuilder b = new StringBuilder();
        msg.strip().codePoints().forEach(c -> {
            if (c == '\n') {
                b.append("\\n");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (Character.isISOControl(c)) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
