package org.bgreboot.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bgreboot.UserError;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.lifecycle.PowerOff;
import org.bgreboot.output.OutputJson;
import org.bgreboot.reboot.Journal;
import org.bgreboot.state.VmLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "vm", mixinStandardHelpOptions = true, description = "Start, stop and inspect VMs.",
        subcommands = {VmCommand.Start.class, VmCommand.Stop.class, VmCommand.Status.class, VmCommand.ListVms.class,
                VmCommand.Exec.class, VmCommand.Reset.class})
final class VmCommand {

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a VM from its spec and wait until its readiness checks pass.")
    static final class Start implements Callable<Integer> {
        @Parameters(paramLabel = "SPEC", description = "A spec file (.toml) or a VM name; 'demo' and 'debian' are built in.")
        String ref;

        @Mixin EngineOptions engine;

        @Option(names = "--no-wait", description = "Return once the VM runs, without waiting for the guest.")
        boolean noWait;

        @Override public Integer call() {
            App app = new App(engine);
            Vm vm = app.vm(ref);
            boolean firstStart = vm.stateDir().readState().isEmpty();
            try {
                start(app, vm);
            } catch (RuntimeException e) {
                if (firstStart && vm.instances().isEmpty()) {
                    // a VM that never ran is not kept: 'vm list' shows no name whose start was refused
                    org.bgreboot.state.Durable.deleteTree(vm.stateDir().path());
                    app.specs().unregister(vm.spec());
                }
                throw e;
            }
            return 0;
        }

        private void start(App app, Vm vm) {
            try (VmLock lock = VmLock.acquire(vm.stateDir(), "vm start")) {
                Optional<Instance> running = vm.serving();
                if (running.isPresent()) {
                    throw new UserError("VM " + vm.spec().name() + " is already running (" + running.get().describe()
                            + "); stop it first with 'bgreboot vm stop " + vm.spec().name() + "'");
                }
                try (Instance i = vm.coldBoot(vm.state(), "starting " + vm.spec().name(), app.progress)) {
                    app.progress.step(vm.spec().name() + " runs (" + i.describe() + ")");
                    if (!noWait) {
                        VmBoot.await(vm, i, app.progress);
                    }
                }
            }
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Power the guest off cleanly (agent, then ACPI), then quit QEMU; leaves no process or socket.")
    static final class Stop implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String ref;

        @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
                description = "How long the guest may take to power off before QEMU is told to quit (default: ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        @Override public Integer call() {
            App app = new App(null);
            Vm vm = app.runningVm(ref);
            if (Journal.active(vm.stateDir()).isPresent()) {
                throw new UserError("VM " + vm.spec().name() + " has an unfinished reboot (a clone may run beside it): run 'bgreboot recover "
                        + vm.spec().name() + "' first, which leaves exactly one serving VM, then stop it");
            }
            try (VmLock lock = VmLock.acquire(vm.stateDir(), "vm stop")) {
                PowerOff.stop(vm, Duration.ofSeconds(timeoutSeconds), app.progress);
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show whether a VM runs, its process, accelerator and guest.")
    static final class Status implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String ref;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override public Integer call() throws IOException {
            App app = new App(null);
            Vm vm = app.runningVm(ref);
            VmStatus s = VmStatus.of(vm);
            java.time.Instant now = java.time.Instant.now();
            s = s.withHostLock(app.libvirtInUse().flatMap(e -> {
                try {
                    return e.lease().holder().filter(h -> !h.expired(now)).map(h -> h.who() + ", until " + h.until());
                } catch (RuntimeException ex) {
                    return java.util.Optional.empty();
                }
            }).orElse(null));
            if (json) {
                System.out.println(OutputJson.text(s));
            } else {
                System.out.print(s.text());
            }
            return s.running() ? 0 : 3;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List known VMs and whether they run.")
    static final class ListVms implements Callable<Integer> {
        @Override public Integer call() throws IOException {
            if (!EngineOptions.connections().isEmpty()) {
                return DomainList.run(new java.io.PrintWriter(System.err, true)); // a libvirt host: its domains, and which VM each is
            }
            App app = new App(null);
            TreeSet<String> names = new TreeSet<>();
            for (Path dir : List.of(app.home.specs(), app.home.vms())) {
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> s = Files.list(dir)) {
                        s.map(p -> p.getFileName().toString().replaceFirst("\\.toml$", ""))
                                .filter(n -> n.matches("[a-z0-9][a-z0-9_-]{0,31}")).forEach(names::add);
                    }
                }
            }
            List<String> lines = new ArrayList<>();
            for (String name : names) {
                Path spec = app.home.specs().resolve(name + ".toml");
                String state;
                try {
                    Vm vm = app.vm(spec.toString());
                    state = vm.serving().map(p -> {
                        try (p) {
                            return String.format("running  %-12s needs reboot: %s", p.describe(), NeedsRebootColumn.of(p));
                        }
                    }).orElse("stopped");
                } catch (UserError e) {
                    state = "spec unusable: " + e.getMessage();
                }
                lines.add(String.format("%-16s %s", name, state));
            }
            System.out.println(lines.isEmpty() ? "no VMs yet (try: bgreboot vm start demo)" : String.join("\n", lines));
            return 0;
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = "Run a command in the guest through its agent (argv, no shell) and print its output.")
    static final class Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "VM") String ref;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "ARG", description = "Program and arguments, after --.")
        List<String> argv;

        @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS", description = "Default: ${DEFAULT-VALUE}.")
        int timeoutSeconds;

        @Override public Integer call() throws IOException {
            App app = new App(null);
            Vm vm = app.vm(ref);
            Instance p = vm.serving().orElseThrow(() -> new UserError("VM " + vm.spec().name() + " is not running; start it with 'bgreboot vm start " + ref + "'"));
            try (p) {
                ExecResult r = p.agent().exec(argv, Duration.ofSeconds(timeoutSeconds));
                System.out.write(r.stdout());
                System.out.flush();
                System.err.write(r.stderr());
                System.err.flush();
                return r.exitCode();
            }
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = "Forget a stopped VM's system disk overlays: the next start begins from the spec's images again.")
    static final class Reset implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String ref;

        @Override public Integer call() {
            App app = new App(null);
            Vm vm = app.vm(ref);
            if (Journal.active(vm.stateDir()).isPresent()) {
                throw new UserError("VM " + vm.spec().name() + " has an unfinished reboot whose layers a reset would delete: run 'bgreboot recover "
                        + vm.spec().name() + "' first");
            }
            try (VmLock lock = VmLock.acquire(vm.stateDir(), "vm reset")) {
                vm.reset();
            }
            app.progress.step(vm.spec().name() + " reset");
            return 0;
        }
    }
}
