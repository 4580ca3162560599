package org.bgreboot.cli;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bgreboot.UserError;
import org.bgreboot.adopt.Adoption;
import org.bgreboot.contract.ContractCheck;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "adopt", mixinStandardHelpOptions = true,
        description = {"Make a running libvirt domain a bgreboot VM with no spec file to write, after checking it and its guest.",
                "With --connect, DOMAIN is a domain's name: its definition and its guest (through the agent) are checked as a",
                "reboot needs them, and the spec is recorded in the domain's metadata; 'reboot --connect URI NAME' then works.",
                "Without --connect, DOMAIN is a spec file of a running embedded VM, checked the same way and registered."})
final class AdoptCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "The domain's name (with --connect), or a spec file.")
    String ref;

    @Option(names = "--all", description = "Every domain of the host that is no VM yet: adopts those that pass, lists the others with why.")
    boolean all;

    @ArgGroup(exclusive = true)
    Disk disk = new Disk();

    static final class Disk {
        @Option(names = "--persistent-disk", paramLabel = "TARGET", description = "The persistent disk by its target in the domain (default: vdb).")
        String target;

        @Option(names = "--persistent-serial", paramLabel = "SERIAL", description = "The persistent disk by its serial instead.")
        String serial;
    }

    @Option(names = "--name", paramLabel = "NAME", description = "The VM's name (default: the domain's).")
    String name;

    @Option(names = "--dry-run", description = "Check and print the spec it would record; change nothing.")
    boolean dryRun;

    @Mixin EngineOptions engine;

    @Override public Integer call() {
        App app = new App(engine);
        if (EngineOptions.connections().isEmpty()) {
            return embedded(app);
        }
        if (all == (ref != null)) {
            throw new UserError(all ? "--all adopts every domain: give no DOMAIN with it" : "give a DOMAIN to adopt, or --all");
        }
        if (all && name != null) {
            throw new UserError("--name names one VM: it does not go with --all");
        }
        LibvirtEngine e = app.libvirt(EngineOptions.connect());
        Adoption adoption = new Adoption(e, app.home, app.progress);
        Optional<String> target = Optional.ofNullable(disk.target);
        Optional<String> serial = Optional.ofNullable(disk.serial);
        if (!all) {
            Adoption.Result r = adoption.adopt(new Adoption.Request(ref, Optional.ofNullable(name), target, serial, dryRun));
            r.check().forEach(i -> System.out.println(i.line()));
            System.out.println(dryRun ? "# the spec 'adopt' would record in domain " + r.domain() + "'s metadata:\n" + r.specText()
                    : r.domain() + ": adopted as VM " + r.vm() + " on " + e.uri() + "; reboot it with 'bgreboot reboot --connect " + e.uri() + " " + r.vm() + "'");
            return ExitCode.OK.code;
        }
        List<Adoption.Result> results = adoption.all(target, serial, dryRun);
        for (Adoption.Result r : results) {
            System.out.printf("%-24s %s%n", r.domain(), r.passed() ? (r.adopted() ? "adopted as VM " + r.vm() : "passes (dry run)")
                    : "not adopted: " + r.refusal().get());
        }
        if (results.isEmpty()) {
            System.out.println("no domain on " + e.uri() + " is left to adopt");
        }
        return results.stream().allMatch(Adoption.Result::passed) ? ExitCode.OK.code : ExitCode.USAGE.code;
    }

    /** A spec file of a running embedded VM: the same guest check, then it is known by its name. */
    private int embedded(App app) {
        if (ref == null || all) {
            throw new UserError("without --connect, adopt takes a spec file of a running VM (--all is for a libvirt host's domains)");
        }
        if (disk.target != null || disk.serial != null || name != null) {
            throw new UserError("--persistent-disk, --persistent-serial and --name are for libvirt domains: a spec file names its persistent disk and its name");
        }
        Vm vm = app.vm(ref);
        List<ContractCheck.Item> check;
        try (Instance serving = vm.serving().orElseThrow(() -> new UserError("VM " + vm.spec().name()
                + " is not running: adopt checks the guest through its agent; start it with 'bgreboot vm start " + ref + "'"))) {
            check = ContractCheck.of(vm.spec(), serving);
        }
        check.forEach(i -> System.out.println(i.line()));
        if (!ContractCheck.passed(check)) {
            throw new UserError("VM " + vm.spec().name() + " fails the guest check: fix the lines marked FIX ('bgreboot guest install " + vm.spec().name()
                    + "' fixes most)");
        }
        System.out.println(vm.spec().name() + ": adopted; its spec is " + vm.spec().file());
        return ExitCode.OK.code;
    }
}
