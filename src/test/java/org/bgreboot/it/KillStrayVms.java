package org.bgreboot.it;

import org.bgreboot.engine.embedded.Liveness;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Safety net for a failed test: kills QEMU processes of the test home so one failure does not leave
 * VMs running into the next test or CI's end. Tests assert on leftovers themselves before this runs.
 */
public final class KillStrayVms implements AfterAllCallback {
    @Override public void afterAll(ExtensionContext context) {
        String home = TestVms.home().home().toString();
        ProcessHandle.allProcesses()
                .filter(h -> Liveness.cmdline(h.pid()).contains("qemu-system") && Liveness.cmdline(h.pid()).contains(home))
                .forEach(h -> {
                    System.out.println("killing stray QEMU " + h.pid());
                    h.destroyForcibly();
                });
    }
}
