package org.bgreboot.experiment;

import java.util.ArrayList;
import java.util.List;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.engine.Vm;

import org.bgreboot.report.RebootMeasurement;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.experiment.Lab;
/**
 * The demo: the same v1→v2 update applied twice to the demo guest from the same starting point,
 * once by a normal reboot and once by a background reboot, each with prober and writer running.
 */
public final class Demo {
    private final Lab lab;
    private final String accel;
    private final String network;

    /**
     * @param accel   how the VM's instructions run, for the report ("tcg (KVM ... hung)")
     * @param network how clients reach it, for the report ("user", "bridge")
     */
    public Demo(Lab lab, String accel, String network) {
        this.lab = lab;
        this.accel = accel;
        this.network = network;
    }

    public DemoReport run(Vm vm) {
        RunClock clock = RunClock.start();
        List<RebootMeasurement> runs = new ArrayList<>();
        for (Method m : List.of(Method.NORMAL, Method.BACKGROUND)) {
            lab.progress().step("== " + m.label() + " reboot of " + vm.spec().name() + " from a fresh start ==");
            lab.freshStart(vm);
            RebootOptions opts = RebootOptions.background(clock).with(m);
            runs.add(MeasuredReboot.run(MeasuredReboot.serviceUri(vm.spec()), clock, lab.progress(), () -> lab.reboot(vm, opts)));
        }
        List<String> leftovers = vm.inspection().leftovers();
        lab.stop(vm);
        return new DemoReport(vm.spec().name(), vm.engine(), network, accel, runs, leftovers);
    }
}
