package org.bgreboot.cli;

import java.util.concurrent.atomic.AtomicInteger;
import org.bgreboot.FaultPoint;
import org.bgreboot.reboot.Cancel;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C and SIGTERM while a reboot runs. The first asks the reboot to stop: before its point of no
 * return it aborts (the clone discarded, the VM untouched), after it the switch is completed,
 * since stopping there would leave no VM serving. A second one stops waiting at once and says
 * what is left and what to run. Without this, the JVM would just exit and leave a clone running.
 */
final class Signals implements AutoCloseable {
    private final SignalHandler previousInt;
    private final SignalHandler previousTerm;

    private Signals(SignalHandler handler) {
        this.previousInt = Signal.handle(new Signal("INT"), handler);
        this.previousTerm = Signal.handle(new Signal("TERM"), handler);
    }

    static Signals duringReboot(Cancel cancel, String vm) {
        AtomicInteger seen = new AtomicInteger();
        return new Signals(signal -> {
            String name = "SIG" + signal.getName();
            if (seen.incrementAndGet() == 1) {
                cancel.request(name);
                FaultPoint.wake();
                System.err.println("bgreboot: " + name + ": " + (cancel.committed()
                        ? "the switch is past its point of no return: completing it first (stopping now would leave no VM serving)"
                        : "aborting the reboot: the clone is discarded, " + vm + " keeps serving unchanged")
                        + "; press Ctrl-C again to stop waiting");
            } else {
                System.err.println("bgreboot: " + name + " again: stopping now; the reboot of " + vm
                        + " is unfinished and two instances may run, or none: run 'bgreboot recover " + vm + "'");
                System.err.flush();
                Runtime.getRuntime().halt(128 + signal.getNumber());
            }
        });
    }

    /**
     * A roll's signals ({@code fleet}, {@code watch}): the first stops the roll (nothing new starts,
     * reboots before their point of no return abort, those past it complete); a second stops
     * bgreboot at once and says what to run: {@code then} names it (a resume of the roll's journal).
     */
    static Signals duringRoll(org.bgreboot.fleet.RollStop stop, String what, java.util.function.Supplier<String> then) {
        AtomicInteger seen = new AtomicInteger();
        return new Signals(signal -> {
            String name = "SIG" + signal.getName();
            if (seen.incrementAndGet() == 1) {
                stop.request(name);
                FaultPoint.wake();
                System.err.println("bgreboot: " + name + ": stopping " + what + ": nothing new starts; "
                        + (stop.inFlight() == 0 ? "no reboot is in flight" : "reboots before their point of no return abort (their VMs keep "
                        + "serving unchanged), those past it complete") + "; press Ctrl-C again to stop at once");
            } else {
                System.err.println("bgreboot: " + name + " again: stopping now, " + (stop.inFlight() == 0 ? "no reboot was in flight"
                        : stop.inFlight() + " reboot(s) unfinished") + ": " + then.get());
                System.err.flush();
                Runtime.getRuntime().halt(128 + signal.getNumber());
            }
        });
    }

    @Override public void close() {
        Signal.handle(new Signal("INT"), previousInt);
        Signal.handle(new Signal("TERM"), previousTerm);
    }
}
