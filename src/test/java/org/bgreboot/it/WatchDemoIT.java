package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ./bgreboot demo --watch}: stopped by SIGTERM midway it takes down everything it started
 * (the libvirt host with its VMs, the test network; the watch and Prometheus are registered the
 * same way); run whole, watch rolls
 * exactly the two VMs that flagged a reboot, the third keeps its boot id, nothing acknowledged is
 * lost, each downtime is under a second, and Prometheus's own answer counts two switches.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchDemoIT {

    /** Stopped as soon as its first VM runs (the cheapest moment that has a host, a network and a VM to take down). */
    @Test @Order(1) void sigtermTakesDownWhatTheDemoStarted() throws Exception {
        Process p = demo(List.of("demo", "--watch"));
        List<String> lines = new ArrayList<>();
        Thread pump = pump(p, lines);
        long end = System.nanoTime() + 600_000_000_000L;
        while (System.nanoTime() < end && p.isAlive() && !seen(lines, "watch-1 runs as domain watch-1")) {
            Thread.sleep(100);
        }
        assertThat(seen(lines, "watch-1 runs as domain watch-1")).as("the demo started its first VM").isTrue();
        List<Long> daemons = labDaemons();
        List<Long> qemus = qemusOfTheLab();
        assertThat(daemons).as("the lab's libvirtd, virtlogd and reaper run").hasSize(3);
        assertThat(qemus).as("the first VM's QEMU runs").isNotEmpty();
        // SIGTERM by kill(1): Process.destroy() would also close our end of its output, and its last lines are what we read
        assertThat(new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor()).isZero();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("the demo ends after SIGTERM").isTrue();
        pump.join(5000);
        assertThat(p.exitValue()).isEqualTo(143);
        assertThat(seen(lines, "stopping early: taking down the libvirt hosts and test network wch")).isTrue();
        for (long pid : concat(daemons, qemus)) {
            assertThat(stopped(pid)).as("process " + pid + " of the lab stopped").isTrue();
        }
        try (Stream<Path> ns = Files.list(Path.of("/run/netns"))) {
            assertThat(ns.map(x -> x.getFileName().toString())).noneMatch(n -> n.startsWith("bgrn-wch-"));
        }
        assertThat(TestVms.home().home().resolve("libvirt-lab/wch")).doesNotExist();
    }

    /**
     * Gone, or a zombie: the reaper's parent is PID 1, which on this kind of machine reaps about
     * once a second, and Java takes a zombie for alive. Asked for up to 10 s.
     */
    private static boolean stopped(long pid) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (IOException gone) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static boolean seen(List<String> lines, String text) {
        synchronized (lines) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test @Order(2) void watchRollsExactlyTheTwoFlaggedVmsAndPrometheusCountsThem() throws Exception {
        Path json = TestVms.home().home().resolve("watch-demo-it.json");
        Files.deleteIfExists(json);
        Cli.Run r = Cli.run("demo", "--watch", "--json", json.toString());
        assertThat(r.exit()).as(r.stderr()).isZero();
        JsonNode j = org.bgreboot.output.Schemas.assertValidFile("watch", json);
        assertThat(j.path("problems")).isEmpty();
        List<String> rebooted = new ArrayList<>();
        for (JsonNode vm : j.path("vms")) {
            String name = vm.path("vm").asText();
            if (vm.path("flagged").asBoolean()) {
                assertThat(vm.path("watch").asText()).as(name).isEqualTo("switched");
                assertThat(vm.path("acked_writes").asInt()).as(name + " had writes acknowledged during its reboot").isPositive();
                assertThat(vm.path("acked_writes_lost").asInt()).as(name).isZero();
                // a background reboot's downtime here is tens to a few hundred ms; a second is what a dropped packet and TCP's
                // retry would cost, and a normal reboot of this guest 3 s
                assertThat(vm.path("downtime_ms").asDouble()).as(name).isLessThan(1000);
                assertThat(vm.path("version_after").asText()).isEqualTo("v2");
            } else {
                assertThat(vm.path("watch").asText()).isEqualTo("untouched");
                assertThat(vm.path("boot_id_after").asText()).isEqualTo(vm.path("boot_id_before").asText());
                assertThat(vm.path("needs_reboot").asBoolean()).isFalse();
            }
            if (!vm.path("boot_id_after").asText().equals(vm.path("boot_id_before").asText())) {
                rebooted.add(name);
            }
        }
        assertThat(rebooted).containsExactly("watch-1", "watch-3");
        JsonNode prom = j.path("prometheus");
        assertThat(prom.path("reboots_total_by_outcome").path("switched").asDouble()).isEqualTo(2);
        assertThat(prom.path("reboots_total_by_outcome").size()).isEqualTo(1);
        assertThat(prom.path("downtime_seconds_count_by_source").path("prober").asDouble()).isEqualTo(2);
        assertThat(prom.path("downtime_seconds_buckets").path("1.0").asDouble()).isEqualTo(2);
        List<String> events = new ArrayList<>();
        j.path("events").forEach(e -> events.add(e.path("event").asText() + " " + e.path("vm").asText()));
        assertThat(events).containsExactly("start watch-1", "switched watch-1", "start watch-3", "switched watch-3");
        assertThat(r.stdout()).contains("outcome=switched     2");
    }

    private static Process demo(List<String> args) throws IOException {
        return Cli.builder(java.util.Map.of(), args).redirectErrorStream(true).start();
    }

    private static Thread pump(Process p, List<String> lines) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    System.out.println("demo| " + l);
                    synchronized (lines) {
                        lines.add(l);
                    }
                }
            } catch (IOException e) {
                // ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The lab host's libvirtd, virtlogd and reaper, by the pids it recorded. */
    private static List<Long> labDaemons() throws IOException {
        Path run = TestVms.home().home().resolve("libvirt-lab/wch/h1/run");
        List<Long> pids = new ArrayList<>();
        for (String f : List.of("libvirtd.pid", "virtlogd.pid", "reaper.pid")) {
            if (Files.exists(run.resolve(f))) {
                pids.add(Long.parseLong(Files.readString(run.resolve(f)).strip()));
            }
        }
        return pids;
    }

    /** QEMU processes of the demo's VMs (their disks are under the lab's folder). */
    private static List<Long> qemusOfTheLab() {
        String lab = TestVms.home().home().resolve("libvirt-lab/wch").toString();
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c -> c.contains("qemu-system") && c.contains(lab)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }
}
