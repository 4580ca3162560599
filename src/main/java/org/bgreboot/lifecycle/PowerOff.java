package org.bgreboot.lifecycle;

import java.time.Duration;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.PowerOffRequest;
import org.bgreboot.engine.Vm;

/**
 * A VM's clean stop, the same on every engine: any instance but the serving one (a clone a crash
 * left) is ended at once; the serving one is asked to power off through its agent, then by the ACPI
 * power button, and ended only once {@code timeout} is spent.
 */
public final class PowerOff {
    private PowerOff() {}

    public static void stop(Vm vm, Duration timeout, Progress progress) {
        Optional<Instance> serving = Strays.sweep(vm, progress);
        if (serving.isEmpty()) {
            throw new UserError("VM " + vm.spec().name() + " is not running");
        }
        try (Instance p = serving.get()) {
            Duration agentPart = Duration.ofMillis(Math.max(1000, timeout.toMillis() / 2));
            progress.step("asking the guest to power off (agent)");
            boolean asked = p.requestPowerOff(PowerOffRequest.AGENT);
            if (!asked || !p.awaitExit(agentPart)) {
                progress.step(asked ? "the guest is still up after " + agentPart.toSeconds() + " s: pressing the power button (ACPI)"
                        : "the agent does not answer: pressing the power button (ACPI)");
                p.requestPowerOff(PowerOffRequest.ACPI);
                if (!p.awaitExit(timeout.minus(asked ? agentPart : Duration.ZERO))) {
                    progress.step("the guest still runs after " + timeout.toSeconds() + " s: ending " + p.describe());
                    p.kill();
                }
            }
            vm.forget(p.id());
            progress.step(vm.spec().name() + " stopped (" + p.describe() + ")");
        }
    }
}
