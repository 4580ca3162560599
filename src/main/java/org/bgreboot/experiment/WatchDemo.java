package org.bgreboot.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.Durable;

/**
 * The watch demo: a private libvirt host with three demo VMs on its bridge, whose specs (in their
 * domains' metadata) install nothing: the guest installs its own update. In two of them a guest
 * command installs v2 with the guest package's update script and flags the reboot as Debian's
 * unattended-upgrades hook does ({@code /run/reboot-required} and {@code .pkgs}); the third is left
 * alone. A real Prometheus server scrapes {@code bgreboot watch --once --measure}, run as its own
 * process; a notify command appends every event to a file. Afterwards the demo asks each VM its
 * boot id and version, and Prometheus's HTTP API for the reboot counter and the downtime histogram.
 */
public final class WatchDemo {
    static final String NET = "wch";
    static final int SUBNET = 100;
    static final String PROMETHEUS = "127.0.0.1:16750";
    static final String METRICS = "127.0.0.1:16751";
    static final List<String> VMS = List.of("watch-1", "watch-2", "watch-3");
    static final List<String> FLAGGED = List.of("watch-1", "watch-3");
    /** What the guest's own package manager does in the demo: install v2, then flag the reboot as Debian's kernel hook would. */
    static final String SELF_UPDATE = "/usr/sbin/bgreboot-update v2 && printf '*** System restart required ***\\n' > /run/reboot-required"
            + " && echo bgreboot-svc >> /run/reboot-required.pkgs";

    private final Home home;
    private final Progress progress;

    public WatchDemo(Home home, Progress progress) {
        this.home = home;
        this.progress = progress;
    }

    public WatchDemoReport run() {
        GuestImage image = new GuestBuilder(home).ensure("demo", progress::step);
        try (LibvirtLab lab = LibvirtLab.start(home, NET, SUBNET, 1, progress)) {
            LibvirtLab.LabHost host = lab.hosts().get(0);
            List<LibvirtLab.DemoDomain> domains = new ArrayList<>();
            for (int i = 0; i < VMS.size(); i++) {
                LibvirtLab.DemoDomain d = lab.demoDomain(image, VMS.get(i), host, i, "384");
                installsNothing(d.spec());
                lab.define(d, true);
                domains.add(d);
            }
            Path dir = home.home().resolve("watch-demo");
            Durable.deleteTree(dir);
            mkdirs(dir);
            try (LibvirtEngine engine = LibvirtEngine.connect(Optional.of(host.uri()))) {
                List<Vm> vms = startAll(engine, domains);
                Map<String, WatchDemoReport.Service> versionBefore = new LinkedHashMap<>();
                for (Vm vm : vms) {
                    versionBefore.put(vm.spec().name(), WatchDemoReport.Service.parse(serving(vm)));
                }
                for (Vm vm : vms) {
                    if (FLAGGED.contains(vm.spec().name())) {
                        progress.step(vm.spec().name() + ": the guest installs v2 itself and flags the reboot (/run/reboot-required)");
                        guest(vm, SELF_UPDATE);
                    }
                }
                Path events = dir.resolve("events.jsonl");
                Path round = dir.resolve("round.json");
                int exit;
                List<String> output;
                try (PrometheusServer prometheus = PrometheusServer.start(dir.resolve("prometheus"), PROMETHEUS, METRICS, "bgreboot-watch")) {
                    progress.step("Prometheus (pid " + prometheus.pid() + ") at http://" + PROMETHEUS + " scrapes http://" + METRICS + "/metrics every second");
                    List<String> args = List.of("--connect", host.uri(), "--once", "--measure", "--metrics-listen", METRICS,
                            "--notify-command", "cat >> " + events, "--json", round.toString());
                    progress.step("bgreboot watch " + String.join(" ", args));
                    try (WatchProcess watch = WatchProcess.start(args, Map.of("BGREBOOT_HOME", home.home().toString(),
                            "BGREBOOT_CACHE", home.cache().toString(), "BGREBOOT_REPO", home.repo().toString()), progress)) {
                        exit = watch.await(1800);
                        output = watch.output();
                    }
                    WatchDemoReport.Prometheus answer = ask(prometheus);
                    Map<String, WatchDemoReport.Service> versionAfter = new LinkedHashMap<>();
                    for (Vm vm : vms) {
                        versionAfter.put(vm.spec().name(), WatchDemoReport.Service.parse(serving(engine.vm(vm.spec(), vm.stateDir()))));
                    }
                    return new WatchDemoReport(VMS, FLAGGED, versionBefore, versionAfter, read(round),
                            lines(events).stream().map(WatchDemoReport.Event::parse).flatMap(java.util.Optional::stream).toList(), answer,
                            exit, output.stream().filter(l -> l.contains("bgreboot:")).toList());
                }
            }
        }
    }

    /** The spec the domain carries installs nothing: a reboot boots what the guest installed (the host's v2 kernel for this direct-boot guest). */
    private static void installsNothing(Path spec) {
        try {
            String text = Files.readString(spec);
            Files.writeString(spec, text.lines().filter(l -> !l.startsWith("install = ")).reduce("", (a, b) -> a + b + "\n")
                    .replace("[update]                       # ", "[update]                       # installed by the guest itself: "));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Boots every VM (their spec recorded in their domains' metadata: bgreboot knows them), then waits until each is ready. */
    private List<Vm> startAll(LibvirtEngine engine, List<LibvirtLab.DemoDomain> domains) {
        SpecLoader loader = SpecLoader.forThisHost(home.vms());
        List<Vm> vms = new ArrayList<>();
        List<Instance> booted = new ArrayList<>();
        try {
            for (LibvirtLab.DemoDomain d : domains) {
                VmSpec spec = loader.load(d.spec());
                Durable.deleteTree(home.stateDir(spec.name()).path()); // the lab's own VMs: nothing of an earlier run applies
                Vm vm = engine.vm(spec, home.stateDir(spec.name()));
                vms.add(vm);
                booted.add(vm.coldBoot(vm.state(), "starting " + spec.name(), progress));
            }
            for (int i = 0; i < vms.size(); i++) {
                VmBoot.await(vms.get(i), booted.get(i), progress);
            }
            return vms;
        } finally {
            booted.forEach(Instance::close);
        }
    }

    private static String guest(Vm vm, String script) {
        Instance i = vm.serving().orElseThrow(() -> new IllegalStateException(vm.spec().name() + " does not run"));
        try (i) {
            ExecResult r = i.agent().exec(List.of("/bin/sh", "-c", script), Duration.ofSeconds(60));
            if (!r.ok()) {
                throw new IllegalStateException(vm.spec().name() + ": '" + script + "' failed: " + r.stderrText().strip());
            }
            return r.stdoutText().strip();
        }
    }

    /** What the guest's service answers: the version it booted, its kernel, its boot id. */
    private static String serving(Vm vm) {
        return guest(vm, "wget -qO- http://127.0.0.1/");
    }

    /** Prometheus's own answer: the reboot counter by outcome, the downtime histogram's count, sum and buckets (their last values: watch has exited). */
    private WatchDemoReport.Prometheus ask(PrometheusServer p) {
        String counter = "sum by (outcome) (last_over_time(bgreboot_reboots_total[15m]))";
        String count = "sum by (source) (last_over_time(bgreboot_background_downtime_seconds_count[15m]))";
        String sum = "sum by (source) (last_over_time(bgreboot_background_downtime_seconds_sum[15m]))";
        String buckets = "sum by (le) (last_over_time(bgreboot_background_downtime_seconds_bucket[15m]))";
        String scrapes = "count_over_time(up{job=\"bgreboot-watch\"}[15m])";
        return new WatchDemoReport.Prometheus(PROMETHEUS, Map.of("counter", counter, "count", count, "sum", sum, "buckets", buckets, "scrapes", scrapes),
                byLabel(p.query(counter), "outcome"), byLabel(p.query(count), "source"), byLabel(p.query(sum), "source"), byLabel(p.query(buckets), "le"),
                p.query(scrapes).path(0).path("value").path(1).asDouble(0));
    }

    private static Map<String, Double> byLabel(JsonNode result, String label) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (JsonNode r : result) {
            out.put(r.path("metric").path(label).asText(), r.path("value").path(1).asDouble(Double.NaN));
        }
        return out;
    }

    private static WatchDemoReport.Round read(Path json) {
        try {
            return WatchDemoReport.Round.parse(Files.readAllBytes(json));
        } catch (IOException e) {
            return WatchDemoReport.Round.NONE;
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
