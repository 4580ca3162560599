package org.bgreboot.reboot;

import java.time.Duration;
import java.util.List;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.spec.VmSpec;

/** Installing a VM's update in its running guest: what every reboot and every experiment's starting point does. */
public final class Updates {
    static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(30);

    private Updates() {}

    /**
     * Runs the update's install command in the running VM, and the same for every experiment that
     * installs it once. A stop asked for meanwhile ends the wait; the command itself runs on in
     * the guest (the agent cannot stop it), as if the operator had run it by hand.
     */
    public static double install(VmSpec spec, GuestAgent agent, Cancel cancel, Progress progress) {
        List<String> install = spec.update().map(VmSpec.Update::install).orElse(List.of());
        if (install.isEmpty()) {
            return 0;
        }
        progress.step("PREPARE: installing the update in the running VM: " + String.join(" ", install));
        long t0 = System.nanoTime();
        GuestAgent.RunningCommand running = agent.start(install, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + INSTALL_TIMEOUT.toNanos();
        ExecResult r = null;
        while (r == null) {
            cancel.check();
            if (System.nanoTime() > deadline) {
                throw new UserError("the update's install command did not finish in " + spec.name() + " within "
                        + INSTALL_TIMEOUT.toMinutes() + " min; nothing was rebooted");
            }
            r = running.poll(Duration.ofSeconds(30));
        }
        if (!r.ok()) {
            throw new UserError("the update's install command failed in " + spec.name() + " (" + r.status() + "): "
                    + r.stderrText().strip().lines().reduce((a, b) -> b).orElse("no output") + "; nothing was rebooted");
        }
        return (System.nanoTime() - t0) / 1e6;
    }
}
