package org.bgreboot.bench;

import java.util.ArrayList;
import java.util.List;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.vm.Leftovers;
import org.bgreboot.vm.Vm;

/**
 * The demo: the same v1→v2 update applied twice to the demo guest from the same starting point,
 * once by a normal reboot and once by a background reboot, each with prober and writer running.
 */
public final class Demo {
    private final Lab lab;

    public Demo(Lab lab) {
        this.lab = lab;
    }

    public DemoReport run(Vm vm) {
        RunClock clock = RunClock.start();
        List<RebootMeasurement> runs = new ArrayList<>();
        for (Method m : List.of(Method.NORMAL, Method.BACKGROUND)) {
            lab.progress().step("== " + m.label() + " reboot of " + vm.spec().name() + " from a fresh start ==");
            lab.freshStart(vm);
            RebootOptions opts = RebootOptions.background(clock).with(m);
            runs.add(MeasuredReboot.run(vm.spec(), clock, lab.progress(), () -> lab.reboot(vm, opts)));
        }
        List<String> leftovers = Leftovers.find(vm);
        lab.stop(vm);
        return new DemoReport(vm.spec().name(), lab.accel().toString(), runs, leftovers);
    }
}
