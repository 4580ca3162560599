package org.bgreboot.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.bgreboot.UserError;
import org.bgreboot.contract.ContractCheck;
import org.bgreboot.contract.ContractInstall;
import org.bgreboot.contract.KeepInstall;
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

        @Option(names = "--keep-state", description = {"Also install bgreboot-keep, so that 'reboot --keep-state' can carry the services the",
                "guest names in /etc/bgreboot/keep.d across the switch (CRIU): criu, nftables and what they need are resolved against the",
                "guest's own packages, downloaded once on the host and pushed through the agent; apt installs them (minutes under TCG)."})
        boolean keepState;

        @Option(names = "--keep-service", paramLabel = "FILE", description = {"With --keep-state: a keep.d entry to put in the guest (the",
                "file's name is the service's; see guest/keep/examples/postgresql); its unit is set up and restarted once. Repeatable."})
        List<java.nio.file.Path> keepServices = new java.util.ArrayList<>();

        @Mixin EngineOptions engine;

        @Override public Integer call() {
            App app = new App(engine);
            Vm vm = app.vm(ref);
            if (!mount.matches("/[A-Za-z0-9._/-]*") || mount.equals("/")) {
                throw new UserError("--mount " + mount + " is not a directory for the persistent disk: give an absolute path such as /home");
            }
            if (!keepServices.isEmpty() && !keepState) {
                throw new UserError("--keep-service needs --keep-state");
            }
            ContractInstall.Request r = new ContractInstall.Request(serial != null ? serial : vm.spec().persistentDisk().serial(), mount);
            GuestPackages packages = new GuestPackages(app.home);
            try (Instance i = running(vm)) {
                ContractInstall.run(i, packages.guest(), r, app.progress);
                System.out.println(vm.spec().name() + ": bgreboot-guest installed; its hooks: release = [\"/usr/sbin/bgreboot-release\"], "
                        + "attach = [\"/usr/sbin/bgreboot-attach\"], ready: [\"/usr/sbin/bgreboot-ready\"]");
                if (keepState) {
                    KeepInstall.Result k = KeepInstall.run(i, new KeepInstall.Request(keepServices,
                            status -> packages.keepBundle(status, line -> app.progress.step("  " + line))), app.progress);
                    System.out.printf("%s: bgreboot-keep installed (%d packages pushed in %.1f s, apt %.1f s; %s)%n", vm.spec().name(),
                            k.packages().size(), k.pushMs() / 1000, k.aptMs() / 1000, k.criu());
                    if (k.services().isEmpty()) {
                        System.out.println("  no service is named in /etc/bgreboot/keep.d yet: name one (--keep-service FILE, or see guest/keep/README.md)");
                    }
                    k.services().forEach(u -> System.out.println("  kept service " + u.name() + " (" + u.unit() + "): "
                            + u.whyNot().orElse("set up, runs under bgreboot-keep (pid " + u.mainPid() + ")")));
                }
            }
            System.out.println("check it with 'bgreboot guest check " + vm.spec().name() + "'");
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
