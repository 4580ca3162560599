package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.bgreboot.Home;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.experiment.LibvirtLab;
import org.bgreboot.state.Durable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code bgreboot watch} as an operator runs it, against a real libvirt host with two demo VMs:
 * a veto holds the wave; a second watch (another state folder, so only the host's lease can stop
 * it) leaves alone a host whose lease the first holds, and says who holds it; SIGTERM mid-roll
 * aborts the reboot before its point of no return and exits 0; a watch killed mid-reboot and
 * started again resumes its roll, recovering the VM first; {@code fleet} stops on SIGINT the same
 * way. (A window that closes mid-roll is the watch's clock and its plan, without a guest's part:
 * WatchTest.) The tests run in order, each
 * from the state the one before left (what a watch leaves is what the next one finds), to keep
 * the number of reboots small. Windows, vetoes, holds and resume are proven one by one without
 * guests in WatchTest; here is what only real hosts and guests show.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchIT {
    /** Each test starts from the state the one before left: after a failure the rest would only fail for that reason. */
    static boolean failed;

    @org.junit.jupiter.api.extension.RegisterExtension
    static final org.junit.jupiter.api.extension.TestWatcher WATCHER = new org.junit.jupiter.api.extension.TestWatcher() {
        @Override public void testFailed(org.junit.jupiter.api.extension.ExtensionContext c, Throwable cause) {
            failed = true;
        }
    };

    @org.junit.jupiter.api.BeforeEach void notAfterAFailure() {
        org.junit.jupiter.api.Assumptions.assumeFalse(failed, "an earlier test failed: the VMs are not in the state this one starts from");
    }

    static final Path DIR = Path.of("/tmp/watch/it");
    static LibvirtLab lab;
    static String uri;
    static LibvirtLab.DemoDomain a;
    static LibvirtLab.DemoDomain b;
    static Home other;
    /** The watch of test 2, which test 3 stops. */
    static Watcher running;

    @BeforeAll static void twoVms() throws IOException {
        Durable.deleteTree(DIR);
        Files.createDirectories(DIR);
        lab = LibvirtLab.start(TestVms.home(), "wchit", 101, 1, TestVms.progress());
        uri = lab.hosts().get(0).uri();
        a = domain("wa", 0);
        b = domain("wb", 1);
        other = new Home(DIR.resolve("other-home"), TestVms.home().cache(), TestVms.REPO);
        for (LibvirtLab.DemoDomain d : List.of(a, b)) {
            Cli.Run start = Cli.run("vm", "start", "--connect", uri, d.spec().toString());
            assertThat(start.exit()).as(start.stderr()).isZero();
        }
    }

    @AfterAll static void tearDown() {
        if (running != null) {
            running.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    static LibvirtLab.DemoDomain domain(String name, int i) {
        Durable.deleteTree(TestVms.home().stateDir(name).path());
        LibvirtLab.DemoDomain d = lab.demoDomain(TestVms.demoImage(), name, lab.hosts().get(0), i, "384");
        lab.define(d, true);
        return d;
    }

    @Test @Order(1) void aVetoHoldsTheWaveAndTheEventSaysWhy() throws Exception {
        flag(a);
        flag(b);
        Path veto = script("veto.sh", "echo 2 alerts firing; exit 1");
        Path events = DIR.resolve("events-1.jsonl");
        Cli.Run w = watch(TestVms.home(), "--once", "--block-command", veto.toString(), "--notify-command", "cat >> " + events,
                "--json", DIR.resolve("round-1.json").toString());
        assertThat(w.exit()).as(w.stderr()).isZero();
        JsonNode round = json(DIR.resolve("round-1.json"));
        JsonNode va = vmOf(round.path("roll"), "wa");
        assertThat(va.path("result").asText()).isEqualTo("pending");
        assertThat(va.path("detail").asText()).isEqualTo("blocked by --block-command (exit 1: 2 alerts firing)");
        assertThat(vmOf(round.path("roll"), "wb").path("result").asText()).isEqualTo("pending");
        assertThat(generation("wa")).isZero();
        assertThat(generation("wb")).isZero();
        awaitLines(events, 1);
        assertThat(Files.readAllLines(events)).singleElement().satisfies(e -> assertThat(e).contains("\"event\":\"blocked\"")
                .contains("\"detail\":\"blocked by --block-command (exit 1: 2 alerts firing)\"").contains("\"host\":\"" + uri.replace("/", "\\/")
                        .replace("\\/", "/") + "\""));
    }

    @Test @Order(2) void aSecondWatchLeavesAHostWhoseLeaseIsHeldAloneAndSaysWho() throws Exception {
        // the first watch resumes the vetoed roll (wa, then wb) and holds the host's lease throughout; while it reboots wa, wb
        // still needs a reboot: a second watch, a manual reboot and vm status all meet the lease. The first watch runs on into
        // the next test, which stops it during wb's reboot.
        running = Watcher.start(TestVms.home(), List.of("--notify-command", "cat >> " + DIR.resolve("events-2.jsonl"),
                "--json", DIR.resolve("round-2a.json").toString()));
        Watcher first = running;
        first.await(l -> l.contains("wa") && l.contains("PREPARE"), 300);
        first.await(l -> l.contains("wa") && l.contains("BG_BOOT"), 300);
        Cli.Run status = Cli.run("vm", "status", "--connect", uri, "wb");
        assertThat(status.stdout()).containsPattern("host locked by +watch \\(pid " + first.pid() + " on ");
        Cli.Run manual = Cli.run("reboot", "--connect", uri, "wb");
        assertThat(manual.exit()).isEqualTo(2);
        assertThat(manual.error()).startsWith("bgreboot: host " + uri + " is locked by watch (pid " + first.pid() + " on ");
        try (Watcher second = Watcher.start(other, List.of("--once", "--metrics-listen", "127.0.0.1:16761", "--json",
                DIR.resolve("round-2b.json").toString()))) {
            second.await(l -> l.contains("serving the last round's metrics"), 120);
            String metrics = get("http://127.0.0.1:16761/metrics");
            assertThat(metrics).containsPattern("bgreboot_watch_lock_holder\\{holder=\"watch \\(pid " + first.pid() + " on [^\"]*\",host=\"");
            assertThat(second.exit(60)).isZero();
        }
        JsonNode r2 = json(DIR.resolve("round-2b.json"));
        assertThat(r2.path("roll").isNull()).isTrue();
        assertThat(r2.path("notes").toString()).contains("is locked by watch (pid " + first.pid());
        first.await(l -> l.contains("wa") && l.contains("SWITCHED"), 600);
        assertThat(first.lines()).as("the first watch resumes the roll the veto held").anyMatch(l -> l.contains("resuming roll"));
        assertThat(generation("wa")).isEqualTo(1);
    }

    @Test @Order(3) void sigtermMidRollAbortsBeforeThePointOfNoReturnAndExitsZero() throws Exception {
        try (Watcher w = running) {
            w.await(l -> l.contains("wb") && l.contains("BG_BOOT"), 300);
            long t = System.nanoTime();
            signal(w.pid(), "TERM"); // by kill(1): Process.destroy() would also close our end of its output
            assertThat(w.exit(120)).isZero();
            // the clone is discarded, not waited for: well under its boot (tens of s here)
            assertThat((System.nanoTime() - t) / 1e9).isLessThan(60);
            assertThat(w.lines()).anyMatch(l -> l.contains("SIGTERM: stopping watch"));
        }
        assertThat(generation("wb")).isZero();
        assertThat(runningDomains("wb")).containsExactly("wb");
        JsonNode r = json(DIR.resolve("round-2a.json"));
        assertThat(vmOf(r.path("roll"), "wa").path("result").asText()).isEqualTo("switched");
        assertThat(vmOf(r.path("roll"), "wb").path("result").asText()).isEqualTo("pending");
        Path events = DIR.resolve("events-2.jsonl");
        awaitLines(events, 4);
        List<String> es = Files.readAllLines(events);
        assertThat(es).hasSize(4);
        assertThat(es.get(0)).contains("\"event\":\"start\"").contains("\"vm\":\"wa\"");
        assertThat(es.get(1)).contains("\"event\":\"switched\"").contains("\"vm\":\"wa\"").contains("\"generation\":1");
        assertThat(es.get(2)).contains("\"event\":\"start\"").contains("\"vm\":\"wb\"");
        assertThat(es.get(3)).contains("\"event\":\"aborted\"").contains("\"vm\":\"wb\"").contains("SIGTERM");
    }

    @Test @Order(4) void aWatchKilledMidRebootResumesItsRollWhenStartedAgain() throws Exception {
        String journal;
        try (Watcher w = Watcher.start(TestVms.home(), List.of())) {
            w.await(l -> l.contains("resuming roll"), 120);
            w.await(l -> l.contains("wb") && l.contains("BG_BOOT"), 300);
            long until = System.nanoTime() + 120_000_000_000L;
            while (runningDomains("wb").size() < 2 && System.nanoTime() < until) {
                Thread.sleep(200); // its clone's domain is being made: kill the watch once it runs
            }
            journal = w.lines().stream().filter(l -> l.contains("resuming roll")).findFirst().orElseThrow().replaceAll(".*resuming roll ", "").strip();
            w.process.destroyForcibly(); // SIGKILL: nothing of it runs on
            w.exit(30);
        }
        assertThat(runningDomains("wb")).as("killed mid-reboot: its clone still runs").hasSize(2);
        Cli.Run again = watch(TestVms.home(), "--once", "--json", DIR.resolve("round-4.json").toString());
        assertThat(again.exit()).as(again.stderr()).isZero();
        JsonNode r = json(DIR.resolve("round-4.json"));
        assertThat(r.path("resumed").asBoolean()).isTrue();
        assertThat(r.path("roll").path("journal").asText()).endsWith(journal);
        assertThat(vmOf(r.path("roll"), "wb").path("result").asText()).isEqualTo("switched");
        assertThat(generation("wb")).isEqualTo(1);
        assertThat(runningDomains("wb")).hasSize(1);
    }

    /** The same machinery in {@code fleet}: the first signal aborts, keeps the journal and says so in one line; a second stops at once. */
    @Test @Order(6) void fleetStopsOnSigintKeepsItsJournalAndASecondSignalSaysWhatToRun() throws Exception {
        String journal;
        try (Watcher f = Watcher.command(TestVms.home(), List.of("fleet", "--connect", uri, "--metrics-listen", "127.0.0.1:16762", "wa", "wb"))) {
            f.await(l -> l.contains("BG_BOOT"), 300);
            assertThat(get("http://127.0.0.1:16762/metrics")).as("fleet serves watch's metrics during its roll")
                    .contains("bgreboot_reboots_in_progress{host=\"" + uri + "\"} 1.0");
            signal(f.pid(), "INT");
            assertThat(f.exit(120)).isEqualTo(130);
            String last = f.lines().stream().filter(l -> l.startsWith("bgreboot: fleet: stopped by SIGINT")).findFirst().orElseThrow();
            assertThat(last).matches("bgreboot: fleet: stopped by SIGINT: 0 of 2 VMs switched, 2 not rebooted \\(each serves unchanged\\); "
                    + "the journal is kept: bgreboot fleet resume /.*\\.json");
            journal = last.replaceAll(".*fleet resume ", "");
        }
        assertThat(generation("wa")).as("aborted: unchanged").isEqualTo(1);
        assertThat(runningDomains("wa")).hasSize(1);
        assertThat(runningDomains("wb")).hasSize(1);
        try (Watcher f = Watcher.command(TestVms.home(), List.of("fleet", "resume", journal))) {
            f.await(l -> l.contains("BG_BOOT"), 300);
            signal(f.pid(), "INT");
            f.await(l -> l.contains("SIGINT: stopping the roll"), 30);
            signal(f.pid(), "INT");
            assertThat(f.exit(30)).isEqualTo(130);
            assertThat(f.lines()).anyMatch(l -> l.matches("bgreboot: SIGINT again: stopping now, 1 reboot\\(s\\) unfinished: run 'bgreboot fleet resume "
                    + java.util.regex.Pattern.quote(journal) + "' \\(it recovers the VMs caught mid-reboot first\\)"));
        }
        // one reboot was unfinished (its clone may not run yet: the halt can come while it is being defined); recover both VMs
        Cli.Run wa = Cli.run("recover", "--connect", uri, "wa");
        Cli.Run wb = Cli.run("recover", "--connect", uri, "wb");
        assertThat(List.of(wa.exit(), wb.exit())).as("caught before the switch, recover rolls back one (an aborted reboot: exit 3), "
                + "the other has nothing to recover\n" + wa.stderr() + wb.stderr()).containsExactlyInAnyOrder(0, 3);
        assertThat(wa.exit() == 3 ? wa.stderr() : wb.stderr()).contains("rolled back");
        assertThat(runningDomains("wa")).hasSize(1);
        assertThat(runningDomains("wb")).hasSize(1);
    }

    static void signal(long pid, String sig) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).start().waitFor()).isZero();
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** What a guest's package manager does on Debian after a kernel update: flag the reboot. */
    static void flag(LibvirtLab.DemoDomain d) {
        Cli.Run r = Cli.run("vm", "exec", "--connect", uri, d.vm(), "--", "/bin/sh", "-c",
                "printf '*** System restart required ***\\n' > /run/reboot-required && echo linux-image-demo >> /run/reboot-required.pkgs");
        assertThat(r.exit()).as(r.stderr()).isZero();
    }

    static Cli.Run watch(Home home, String... args) {
        List<String> all = new ArrayList<>(List.of("watch", "--connect", uri));
        all.addAll(List.of(args));
        return Cli.run(Map.of("BGREBOOT_HOME", home.home().toString()), all.toArray(String[]::new));
    }

    static int generation(String vm) {
        try (LibvirtEngine e = LibvirtEngine.connect(Optional.of(uri))) {
            return e.list().stream().filter(l -> l.vm().equals(vm) && l.running() && l.role().equals("serving"))
                    .mapToInt(LibvirtEngine.Listing::generation).max().orElse(-1);
        }
    }

    static List<String> runningDomains(String vm) {
        try (LibvirtEngine e = LibvirtEngine.connect(Optional.of(uri))) {
            return e.list().stream().filter(l -> l.vm().equals(vm) && l.running()).map(LibvirtEngine.Listing::domain).toList();
        }
    }

    static JsonNode vmOf(JsonNode roll, String vm) {
        for (JsonNode v : roll.path("vms")) {
            if (v.path("vm").asText().equals(vm)) {
                return v;
            }
        }
        throw new AssertionError(vm + " is not in the roll " + roll);
    }

    static JsonNode json(Path f) throws IOException {
        return new ObjectMapper().readTree(Files.readAllBytes(f));
    }

    static Path script(String name, String body) throws IOException {
        Path p = DIR.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        p.toFile().setExecutable(true);
        return p;
    }

    static String get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static void awaitLines(Path f, int n) throws Exception {
        long end = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < end && (!Files.exists(f) || Files.readAllLines(f).size() < n)) {
            Thread.sleep(100);
        }
    }

    /** A watch running in the background, its output (stdout and stderr) read line by line as it comes. */
    static final class Watcher implements AutoCloseable {
        final Process process;
        private final List<String> lines = new ArrayList<>();
        private final Thread pump;

        private Watcher(Process p) {
            this.process = p;
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        System.out.println("watch " + p.pid() + "| " + l);
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
            this.pump = t;
        }

        static Watcher start(Home home, List<String> args) throws IOException {
            List<String> all = new ArrayList<>(List.of("watch", "--connect", uri));
            all.addAll(args);
            return command(home, all);
        }

        /** Any bgreboot command, in the background. */
        static Watcher command(Home home, List<String> args) throws IOException {
            ProcessBuilder pb = Cli.builder(Map.of("BGREBOOT_HOME", home.home().toString()), args).redirectErrorStream(true);
            return new Watcher(pb.start());
        }

        long pid() {
            return process.pid();
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        long count(Predicate<String> p) {
            return lines().stream().filter(p).count();
        }

        void await(Predicate<String> p, int seconds) throws InterruptedException {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                if (lines().stream().anyMatch(p)) {
                    return;
                }
                if (!process.isAlive() && lines().stream().noneMatch(p)) {
                    Thread.sleep(300); // the last lines may still be on their way
                    if (lines().stream().anyMatch(p)) {
                        return;
                    }
                    throw new AssertionError("watch ended (exit " + process.exitValue() + ") before the line awaited");
                }
                Thread.sleep(100);
            }
            throw new AssertionError("no such line from watch within " + seconds + " s");
        }

        int exit(int seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("watch did not end within " + seconds + " s");
            }
            pump.join(10_000); // its last lines
            return process.exitValue();
        }

        @Override public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }
}
