package org.bgreboot.cli;

import java.util.concurrent.Callable;
import org.bgreboot.reboot.Recovery;
import org.bgreboot.engine.Vm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Bring a VM whose reboot was interrupted back to exactly one serving VM.",
                "After bgreboot or QEMU was killed or the disk ran full, the reboot's journal says what to do: before the "
                + "switch the VM keeps serving and the clone is discarded; after the switch's point of no return the "
                + "switch is completed. Safe to run again."})
final class RecoverCommand implements Callable<Integer> {
    @Parameters(paramLabel = "VM") String ref;

    @Mixin EngineOptions engine;

    @Override public Integer call() {
        App app = new App(engine);
        Vm vm = app.vm(ref);
        Recovery.Result r = new Recovery(vm, app.progress).run();
        System.out.println(vm.spec().name() + ": " + r.action() + (r.instance().isEmpty() ? "" : " (" + r.instance() + ", generation " + r.generation() + ")"));
        r.outcome().ifPresent(o -> System.out.println("outcome: " + o.describe()));
        return ExitCode.of(r.outcome()).code;
    }
}
