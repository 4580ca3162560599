package org.bgreboot.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.installed.InstalledProbe;
import org.bgreboot.installed.NeedsReboot;
import org.bgreboot.lifecycle.Strays;
import org.bgreboot.output.OutputJson;
import org.bgreboot.reboot.Journal;

/**
 * What {@code vm status} shows, from the instances that really run (never from a record alone):
 * the serving one with what its hypervisor and its guest agent say, each asked with a short
 * timeout, any other one (a clone a crash left), and an unfinished reboot with what to run.
 */
record VmStatus(
        @JsonProperty("schema_version") int schemaVersion,
        String name,
        String engine,
        boolean running,
        String serving,
        Map<String, String> details,
        @JsonProperty("run_state") String runState,
        String agent,
        @JsonProperty("guest_kernel") String guestKernel,
        List<String> others,
        @JsonProperty("unfinished_reboot") String unfinishedReboot,
        @JsonProperty("spec_drift") List<String> specDrift,
        @JsonProperty("memory_mb") long memoryMb,
        List<String> forwards,
        @JsonProperty("needs_reboot") Pending needsReboot,
        @JsonProperty("watch_hold") String watchHold,
        @JsonProperty("host_lock") String hostLock) {

    /**
     * Whether the guest needs a reboot and why, as it says through its agent; null when it cannot be asked.
     *
     * @param nextBoot the kernel its boot loader boots next, null where that cannot be told
     */
    record Pending(boolean needed, @JsonProperty("running_kernel") String running, @JsonProperty("next_boot_kernel") String nextBoot,
                   @JsonProperty("reboot_required_flag") boolean flagged, List<String> packages, List<String> reasons) {
        static Pending of(NeedsReboot n) {
            return new Pending(n.needed(), n.running(), n.nextBoot().orElse(null), n.flagged(), n.packages(), n.reasons());
        }

        String text() {
            return needed ? "yes: " + String.join("; ", reasons) : "no (runs " + running + (running.equals(nextBoot) ? ", what it boots next" : "") + ")";
        }
    }

    static VmStatus of(Vm vm) {
        String name = vm.spec().name();
        List<String> fwd = vm.spec().network().forwards().stream().map(f -> f.hostAddress() + ":" + f.hostPort() + " -> " + f.guestPort()).toList();
        String unfinished = Journal.active(vm.stateDir()).map(c -> c.plan().method().label() + " reboot " + c.plan().id()
                + " stopped at " + c.lastStep().name().toLowerCase() + ": run 'bgreboot recover " + name + "'").orElse(null);
        List<String> others = Strays.describe(vm).stream()
                .map(i -> i + " (not serving: left by an interrupted reboot; 'bgreboot recover " + name + "' stops it)").toList();
        Optional<Instance> serving = vm.serving();
        if (serving.isEmpty()) {
            return new VmStatus(OutputJson.SCHEMA_VERSION, name, vm.engine(), false, null, Map.of(), "stopped", null, null, others, unfinished,
                    List.of(), vm.spec().memory().mib(), fwd, null, hold(vm), null);
        }
        try (Instance p = serving.get()) {
            String state = ask(p::runState);
            String kernel = ask(() -> {
                p.agent().sync(Duration.ofSeconds(2));
                return new String(p.agent().exec(List.of("uname", "-r"), Duration.ofSeconds(5)).stdout()).strip();
            });
            String agent = kernel.startsWith("unknown") ? "no answer (not running in the guest, or in use by another bgreboot command)" : "answers";
            Pending pending = null;
            if (agent.equals("answers")) {
                try {
                    pending = Pending.of(InstalledProbe.ask(p.agent(), Duration.ofSeconds(10)));
                } catch (RuntimeException e) {
                    pending = null; // a guest without a shell: it cannot say
                }
            }
            return new VmStatus(OutputJson.SCHEMA_VERSION, name, vm.engine(), true, p.describe(), p.details(), state, agent,
                    agent.equals("answers") ? kernel : null, others, unfinished, vm.inspection().specDrift(), vm.spec().memory().mib(), fwd, pending, hold(vm), null);
        }
    }

    /** Watch's hold on the VM's reboots, if any (its last reboot into the same update aborted or fell back). */
    private static String hold(Vm vm) {
        return org.bgreboot.watch.Holds.read(vm.stateDir()).map(org.bgreboot.watch.HeldReboot::describe).orElse(null);
    }

    /** The same, with who holds the lease of the VM's libvirt host now (a watch rolling, a manual reboot). */
    VmStatus withHostLock(String holder) {
        return new VmStatus(schemaVersion, name, engine, running, serving, details, runState, agent, guestKernel, others, unfinishedReboot, specDrift,
                memoryMb, forwards, needsReboot, watchHold, holder);
    }

    String text() {
        StringBuilder b = new StringBuilder();
        line(b, "vm", name);
        line(b, "engine", engine);
        line(b, "state", running ? "running" : "stopped");
        if (running) {
            line(b, "serving", serving);
            details.forEach((k, v) -> line(b, k, v));
            line(b, "hypervisor", runState);
            line(b, "agent", agent);
            if (guestKernel != null) {
                line(b, "guest kernel", guestKernel);
            }
            if (needsReboot != null) {
                line(b, "needs reboot", needsReboot.text());
            }
        }
        others.forEach(o -> line(b, "also running", o));
        specDrift.forEach(d -> line(b, "spec differs", d));
        if (unfinishedReboot != null) {
            line(b, "unfinished", unfinishedReboot);
        }
        if (watchHold != null) {
            line(b, "watch", watchHold);
        }
        if (hostLock != null) {
            line(b, "host locked by", hostLock);
        }
        line(b, "memory", memoryMb + " MiB");
        line(b, "forwards", forwards.isEmpty() ? "none" : String.join(", ", forwards));
        return b.toString();
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(String.format("%-13s %s%n", key, value));
    }

    private static String ask(java.util.function.Supplier<String> q) {
        try {
            return q.get();
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
