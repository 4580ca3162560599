package org.bgreboot.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.vm.LaunchRecord;
import org.bgreboot.vm.QemuProcess;
import org.bgreboot.vm.Vm;
import org.bgreboot.vm.VmSpec;

/** What {@code vm status} shows: asked of QEMU and of the guest agent, each with a short timeout. */
record VmStatus(
        String name,
        boolean running,
        Long pid,
        String accel,
        @JsonProperty("accel_reason") String accelReason,
        Integer generation,
        @JsonProperty("qemu_status") String qemuStatus,
        String agent,
        @JsonProperty("guest_kernel") String guestKernel,
        @JsonProperty("uptime_s") Long uptimeSeconds,
        @JsonProperty("memory_mb") long memoryMb,
        List<String> forwards) {

    static VmStatus of(Vm vm) {
        VmSpec s = vm.spec();
        List<String> fwd = s.network().forwards().stream().map(f -> f.hostAddress() + ":" + f.hostPort() + " -> " + f.guestPort()).toList();
        Optional<QemuProcess> running = vm.running();
        if (running.isEmpty()) {
            return new VmStatus(s.name(), false, null, null, null, null, "stopped", null, null, null, s.memory().mib(), fwd);
        }
        try (QemuProcess p = running.get()) {
            Optional<LaunchRecord> launch = vm.launchRecord();
            String qemuStatus = ask(() -> {
                try (QmpClient observer = QmpClient.connect(p.runtime().observerSocket(), Duration.ofSeconds(5))) {
                    return observer.execute("query-status").path("status").asText();
                }
            });
            String kernel = ask(() -> {
                p.agent().sync(Duration.ofSeconds(2));
                return new String(p.agent().exec(List.of("uname", "-r"), Duration.ofSeconds(5)).stdout()).strip();
            });
            String agent = kernel.startsWith("unknown") ? "no answer (not running in the guest, or in use by another bgreboot command)" : "answers";
            return new VmStatus(s.name(), true, p.pid(), launch.map(l -> l.accel().qemuName()).orElse("?"),
                    launch.map(LaunchRecord::accelReason).orElse(null),
                    vm.stateDir().readState().map(st -> st.generation()).orElse(null), qemuStatus, agent,
                    agent.equals("answers") ? kernel : null,
                    launch.map(l -> (System.currentTimeMillis() - l.startedAtEpochMs()) / 1000).orElse(null),
                    s.memory().mib(), fwd);
        }
    }

    String text() {
        StringBuilder b = new StringBuilder();
        line(b, "vm", name);
        line(b, "state", running ? "running" : "stopped");
        if (running) {
            line(b, "pid", String.valueOf(pid));
            line(b, "accelerator", accel + (accelReason == null ? "" : " (" + accelReason + ")"));
            line(b, "generation", String.valueOf(generation));
            line(b, "qemu", qemuStatus);
            line(b, "agent", agent);
            if (guestKernel != null) {
                line(b, "guest kernel", guestKernel);
            }
            if (uptimeSeconds != null) {
                line(b, "uptime", uptimeSeconds + " s");
            }
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
