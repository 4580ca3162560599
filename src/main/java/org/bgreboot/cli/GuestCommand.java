package org.bgreboot.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.bgreboot.UserError;
import org.bgreboot.contract.ContractCheck;
import org.bgreboot.contract.ContractInstall;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.guest.GuestPackages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "guest", mixinStandardHelpOptions = true, description = "Make a running guest ready for background reboots, and check it.",
        subcommands = {GuestCommand.Install.class, GuestCommand.Check.class})
final class GuestCommand {

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = {"Install the bgreboot-guest package in a running Debian or Ubuntu guest through its agent.",
                    "Nothing is restarted. Configures the package for the persistent disk, and adds the disk to /etc/fstab "
                    + "with nofail if missing."})
    static final class Install implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String ref;

        @Option(names = "--persistent-serial", paramLabel = "SERIAL", description = "The persistent disk's serial (default: the spec's).")
        String serial;

        @Option(names = "--mount", paramLabel = "DIR", defaultValue = "/home", description = "Where it is mounted. Default: ${DEFAULT-VALUE}.")
        String mount;

        @Mixin EngineOptions engine;

        @Override public Integer call() {
            App app = new App(engine);
            Vm vm = app.vm(ref);
            if (!mount.matches("/[A-Za-z0-9._/-]*") || mount.equals("/")) {
                throw new UserError("--mount " + mount + " is not a directory for the persistent disk: give an absolute path such as /home");
            }
            ContractInstall.Request r = new ContractInstall.Request(serial != null ? serial : vm.spec().persistentDisk().serial(), mount);
            try (Instance i = running(vm)) {
                ContractInstall.run(i, new GuestPackages(app.home).guest(), r, app.progress);
            }
            System.out.println(vm.spec().name() + ": bgreboot-guest installed; its hooks: release = [\"/usr/sbin/bgreboot-release\"], "
                    + "attach = [\"/usr/sbin/bgreboot-attach\"], ready: [\"/usr/sbin/bgreboot-ready\"]; check it with 'bgreboot guest check "
                    + vm.spec().name() + "'");
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check through the agent what a background reboot needs of the guest.",
                    "One line per item: the agent and the commands it allows, the persistent disk by serial and mounted nofail, "
                    + "the hooks, the readiness command, data kept on the system disk. Exits 0 only if a background reboot can work."})
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String ref;

        @Mixin EngineOptions engine;

        @Override public Integer call() {
            App app = new App(engine);
            Vm vm = app.runningVm(ref);
            List<ContractCheck.Item> items;
            try (Instance i = running(vm)) {
                items = ContractCheck.of(vm.spec(), i);
            }
            items.forEach(item -> System.out.println(item.line()));
            boolean ok = ContractCheck.passed(items);
            System.out.println(ok ? vm.spec().name() + ": a background reboot can work" : vm.spec().name() + ": fix the lines marked FIX");
            return ok ? 0 : BgrebootCommand.EXIT_FAILED;
        }
    }

    private static Instance running(Vm vm) {
        return vm.serving().orElseThrow(() -> new UserError("VM " + vm.spec().name() + " is not running; start it with 'bgreboot vm start "
                + vm.spec().name() + "'"));
    }
}
