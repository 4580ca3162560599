package org.bgreboot.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;

/**
 * Instances of a VM other than the serving one: a clone an interrupted reboot left. Found and
 * ended the same way wherever bgreboot meets them (a stop, a recovery, {@code vm status}).
 */
public final class Strays {
    private Strays() {}

    /** The running instances that are not the serving one, described; the caller closes nothing. */
    public static List<String> describe(Vm vm) {
        Optional<Instance> serving = vm.serving();
        List<String> strays = new ArrayList<>();
        for (Instance i : vm.instances()) {
            if (!isServing(i, serving)) {
                strays.add(i.describe());
            }
            i.close();
        }
        serving.ifPresent(Instance::close);
        return strays;
    }

    /**
     * Ends every instance but the serving one and removes its remains.
     *
     * @return the serving instance, if one runs (the caller closes it)
     */
    public static Optional<Instance> sweep(Vm vm, Progress progress) {
        Optional<Instance> serving = vm.serving();
        for (Instance i : vm.instances()) {
            if (isServing(i, serving)) {
                i.close();
                continue;
            }
            progress.step("stopping " + i.describe() + " of " + vm.spec().name() + " (not the serving one: a clone left by an interrupted reboot)");
            i.kill();
            i.close();
            vm.forget(i.id());
        }
        return serving;
    }

    private static boolean isServing(Instance i, Optional<Instance> serving) {
        return serving.map(s -> s.id().equals(i.id())).orElse(false);
    }
}
