package org.bgreboot.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.fleet.RollStop;
import org.bgreboot.fleet.ScriptedRoller;
import org.bgreboot.fleet.VmProgress;
import org.bgreboot.installed.NeedsReboot;
import org.bgreboot.reboot.Outcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch's loop without guests: windows, holds, the veto, the host lock and resuming a roll,
 * on a clock the test moves, with a roller that keeps the fleet's contract (gate, journal, events).
 */
class WatchTest {
    static final ZoneId ZONE = ZoneOffset.UTC;
    static final String H1 = "qemu+tcp://h1/system";
    static final String H2 = "qemu+tcp://h2/system";

    @TempDir Path tmp;
    Home home;
    MovableClock clock;
    Sentinels sentinel;
    Locks locks;
    ScriptedRoller roller;
    RebootMetrics metrics;
    List<String> log;

    @BeforeEach void setUp() {
        home = new Home(tmp.resolve("home"), tmp.resolve("cache"), tmp);
        clock = new MovableClock(at("2026-12-07T10:00:00")); // a Monday
        sentinel = new Sentinels();
        locks = new Locks();
        roller = new ScriptedRoller(tmp.resolve("fleet"), clock, clock::advance, Duration.ofMinutes(6));
        metrics = new RebootMetrics();
        log = new ArrayList<>();
    }

    static Instant at(String local) {
        return LocalDateTime.parse(local).atZone(ZONE).toInstant();
    }

    Watch watch(List<String> windows, Optional<OperatorCommand> veto, Optional<OperatorCommand> notify) {
        WatchSettings s = new WatchSettings(List.of(H1, H2), Duration.ofMinutes(10), Windows.parse(windows, ZONE), 1, 1, false, veto, notify,
                Optional.empty(), false, Optional.empty());
        Progress p = log::add;
        return new Watch(s, List.of(H1, H2), sentinel, locks, roller, new Holds(home), new RollRecord(home.home().resolve("watch"), List.of(H1, H2)),
                new Notifier(notify, p), Optional.of(metrics), clock, p, new RollStop(), roller::hostsOf);
    }

    Watch watch(List<String> windows) {
        return watch(windows, Optional.empty(), Optional.empty());
    }

    @Test void aWindowThatClosesMidRollStartsNothingNewAndTheNextWindowResumesTheRoll() {
        sentinel.needs(H1, "a", "b");
        Watch w = watch(List.of("10:00-10:05"));
        RoundReport first = w.round();
        assertThat(roller.started).extracting(ScriptedRoller.Started::vm).containsExactly("a"); // a took 6 min: the window closed meanwhile
        assertThat(first.pending()).containsExactly("b");
        assertThat(first.waiting()).isTrue();
        assertThat(first.roll().get().vms()).filteredOn(p -> p.vm().equals("b")).first()
                .satisfies(p -> assertThat(p.detail()).startsWith("outside the maintenance windows (10:00-10:05); the next opens"));
        sentinel.switched(H1, "a");

        clock.set(at("2026-12-07T12:00:00"));
        RoundReport closed = w.round();
        assertThat(roller.started).hasSize(1);
        assertThat(closed.notes()).anyMatch(n -> n.contains("waits for the next window"));

        clock.set(at("2026-12-08T10:00:00"));
        RoundReport next = w.round();
        assertThat(next.resumed()).isTrue();
        assertThat(roller.resumed).containsExactly(first.roll().get().journal());
        assertThat(roller.started).extracting(ScriptedRoller.Started::vm).containsExactly("a", "b");
        assertThat(roller.started.get(1).at()).isEqualTo(at("2026-12-08T10:00:00"));
        assertThat(next.pending()).isEmpty();
        assertThat(new RollRecord(home.home().resolve("watch"), List.of(H1, H2)).current()).isEmpty();
    }

    @Test void outsideEveryWindowNothingStartsAndTheLoopWakesAtTheOpening() {
        sentinel.needs(H1, "a");
        clock.set(at("2026-12-07T06:00:00"));
        RoundReport r = watch(List.of("Mon-Fri 08:00-09:00")).round();
        assertThat(roller.started).isEmpty();
        assertThat(r.waiting()).isTrue();
        assertThat(r.notes()).anyMatch(n -> n.startsWith("1 VM(s) need a reboot (a): the next window opens"));
        assertThat(value("bgreboot_watch_window_open", Map.of())).isEqualTo(0);
    }

    @Test void aVetoHoldsTheWaveTellsTheNotifierAndTheNextRoundResumes() throws Exception {
        sentinel.needs(H1, "a", "b");
        Path events = tmp.resolve("events.jsonl");
        Optional<OperatorCommand> notify = Optional.of(OperatorCommand.of("--notify-command", "cat >> " + events));
        RoundReport blocked = watch(List.of(), Optional.of(OperatorCommand.of("--block-command", "echo 3 alerts firing; exit 1")), notify).round();
        assertThat(roller.started).isEmpty();
        assertThat(blocked.pending()).containsExactly("a", "b");
        assertThat(value("bgreboot_watch_blocked", Map.of("host", H1))).isEqualTo(1);
        awaitLines(events, 1); // a watch sends its events in order; these are two watches, each with its own notifier
        Watch unblocked = watch(List.of(), Optional.of(OperatorCommand.of("--block-command", "true")), notify);
        RoundReport after = unblocked.round();
        assertThat(after.resumed()).isTrue();
        assertThat(roller.started).extracting(ScriptedRoller.Started::vm).containsExactly("a", "b");
        assertThat(value("bgreboot_watch_blocked", Map.of("host", H1))).isEqualTo(0);
        awaitLines(events, 5);
        List<Map<String, Object>> es = Files.readAllLines(events).stream().map(WatchTest::json).toList();
        assertThat(es).extracting(e -> (Object) e.get("event")).containsExactly((Object) "blocked", "start", "switched", "start", "switched");
        assertThat(es.get(0).get("detail")).isEqualTo("blocked by --block-command (exit 1: 3 alerts firing)");
        assertThat(es.get(2)).containsEntry("vm", "a").containsEntry("host", H1).containsEntry("switch_ms", 120.0);
    }

    @Test void aRebootThatAbortedIsHeldUntilItsUpdateChanges() {
        sentinel.needs(H1, "a");
        roller.outcome("a", new Outcome.Aborted("the clone was not ready in 10m", true, Optional.empty()));
        Watch w = watch(List.of());
        w.round();
        assertThat(roller.started).hasSize(1);
        assertThat(new Holds(home).get("a")).get().satisfies(h -> assertThat(h.outcome()).isEqualTo("aborted"));
        assertThat(value("bgreboot_reboots_total", Map.of("host", H1, "outcome", "aborted"))).isEqualTo(1);

        clock.advance(Duration.ofMinutes(10));
        RoundReport again = w.round();
        assertThat(roller.started).hasSize(1); // same update: not retried
        assertThat(again.held().get("a")).isPresent();
        assertThat(value("bgreboot_reboot_held", Map.of("host", H1, "vm", "a", "outcome", "aborted"))).isEqualTo(1);
        assertThat(value("bgreboot_reboot_required", Map.of("host", H1, "vm", "a"))).isEqualTo(1);

        sentinel.put(H1, VmAnswer.of("a", H1, needs("6.1.0-58-cloud-amd64"))); // it installed another kernel
        roller.outcome("a", new Outcome.Switched());
        clock.advance(Duration.ofMinutes(10));
        w.round();
        assertThat(roller.started).hasSize(2);
        assertThat(new Holds(home).get("a")).isEmpty();
        assertThat(value("bgreboot_reboot_held", Map.of("host", H1, "vm", "a", "outcome", "aborted"))).isNaN();
        assertThat(value("bgreboot_last_successful_reboot_timestamp_seconds", Map.of("host", H1, "vm", "a"))).isPositive();
    }

    @Test void aColdBootIsHeldButAnAbortBySignalIsNot() {
        sentinel.needs(H1, "a", "b");
        roller.outcome("a", new Outcome.ColdBooted(org.bgreboot.reboot.Step.ATTACH, "the attach hook failed twice"));
        roller.outcome("b", new Outcome.Aborted("SIGTERM", true, Optional.of("SIGTERM")));
        WatchSettings s = new WatchSettings(List.of(H1), Duration.ofMinutes(10), Windows.ALWAYS, 1, 1, false, Optional.empty(), Optional.empty(),
                Optional.empty(), false, Optional.empty());
        Watch w = new Watch(s, List.of(H1), sentinel, locks, roller, new Holds(home), new RollRecord(home.home().resolve("watch"), List.of(H1)),
                new Notifier(Optional.empty(), log::add), Optional.of(metrics), clock, log::add, new RollStop(), roller::hostsOf);
        w.round();
        assertThat(new Holds(home).get("a")).get().satisfies(h -> assertThat(h.outcome()).isEqualTo("cold_booted"));
        assertThat(new Holds(home).get("b")).isEmpty();
    }

    @Test void aHostLockedByAnotherIsLeftAloneAndItsHolderShown() {
        sentinel.needs(H1, "a");
        sentinel.needs(H2, "c");
        locks.others.put(H1, "watch (pid 4242 on elsewhere, since 2026-12-07 09:59:00)");
        RoundReport r = watch(List.of()).round();
        assertThat(roller.started).extracting(ScriptedRoller.Started::vm).containsExactly("c");
        assertThat(r.lockHolders().get(H1)).contains("watch (pid 4242 on elsewhere, since 2026-12-07 09:59:00)");
        assertThat(r.notes()).anyMatch(n -> n.startsWith("host " + H1 + " is locked by watch (pid 4242"));
        assertThat(value("bgreboot_watch_lock_holder", Map.of("host", H1, "holder", "watch (pid 4242 on elsewhere, since 2026-12-07 09:59:00)")))
                .isEqualTo(1);
        assertThat(locks.mine).isEmpty(); // released after its roll
    }

    @Test void aRoundWithNothingToDoStillSaysWhoHoldsAHost() {
        // another watch reboots the host's last VM needing one: nothing is left to do here, and the round says why
        locks.others.put(H1, "watch (pid 4242 on elsewhere, since 2026-12-07 09:59:00)");
        RoundReport r = watch(List.of()).round();
        assertThat(roller.started).isEmpty();
        assertThat(r.notes()).contains("no VM needs a reboot")
                .anyMatch(n -> n.startsWith("host " + H1 + " is locked by watch (pid 4242"));
    }

    @Test void aWatchKilledMidRollResumesThatRollWhenStartedAgain() {
        sentinel.needs(H1, "a", "b");
        roller.killAfterStartOf("a");
        try {
            watch(List.of()).round();
        } catch (IllegalStateException killed) {
            // the process ends here: nothing of it runs on
        }
        Path record = new RollRecord(home.home().resolve("watch"), List.of(H1, H2)).current().orElseThrow();
        locks.mine.clear(); // its lease would expire; the kernel drops nothing here, the test does
        RoundReport r = watch(List.of()).round(); // a new watch, same state folder
        assertThat(r.resumed()).isTrue();
        assertThat(roller.resumed).containsExactly(record);
        assertThat(roller.started).extracting(ScriptedRoller.Started::vm).containsExactly("a", "a", "b");
        assertThat(r.roll().get().vms()).extracting(VmProgress::state).containsOnly(VmProgress.State.SWITCHED);
    }

    @Test void anUnreachableHostIsReportedAndAskedAgainNextRound() {
        sentinel.needs(H1, "a");
        sentinel.down.add(H2);
        Watch w = watch(List.of());
        RoundReport r = w.round();
        assertThat(r.downHosts()).containsExactly(H2);
        assertThat(value("bgreboot_watch_host_up", Map.of("host", H2))).isEqualTo(0);
        assertThat(log).anyMatch(l -> l.startsWith("host " + H2 + " does not answer") && l.endsWith("the next round tries again"));
        sentinel.down.clear();
        sentinel.switched(H1, "a");
        sentinel.needs(H2, "c");
        w.round();
        assertThat(value("bgreboot_watch_host_up", Map.of("host", H2))).isEqualTo(1);
        assertThat(roller.started).extracting(ScriptedRoller.Started::vm).containsExactly("a", "c");
    }

    @Test void aStopRequestedBeforeTheRollStartsNothing() {
        sentinel.needs(H1, "a");
        WatchSettings s = new WatchSettings(List.of(H1), Duration.ofMinutes(10), Windows.ALWAYS, 1, 1, false, Optional.empty(), Optional.empty(),
                Optional.empty(), false, Optional.empty());
        RollStop stop = new RollStop();
        stop.request("SIGTERM");
        Watch w = new Watch(s, List.of(H1), sentinel, locks, roller, new Holds(home), new RollRecord(home.home().resolve("watch"), List.of(H1)),
                new Notifier(Optional.empty(), log::add), Optional.of(metrics), clock, log::add, stop, roller::hostsOf);
        assertThat(w.run(r -> { })).isZero();
        assertThat(roller.started).isEmpty();
    }

    // ---- fakes ------------------------------------------------------------------------------------

    static NeedsReboot needs(String next) {
        return new NeedsReboot(true, "6.1.0-50-cloud-amd64", Optional.of(next), true, List.of("linux-image-" + next),
                List.of("/run/reboot-required (linux-image-" + next + ")", "kernel " + next + " is installed, 6.1.0-50-cloud-amd64 runs"));
    }

    static final class Sentinels implements Sentinel {
        final Map<String, Map<String, VmAnswer>> answers = new LinkedHashMap<>();
        final List<String> down = new ArrayList<>();

        void needs(String host, String... vms) {
            for (String vm : vms) {
                put(host, VmAnswer.of(vm, host, WatchTest.needs("6.1.0-57-cloud-amd64")));
            }
        }

        void switched(String host, String vm) {
            put(host, VmAnswer.of(vm, host, new NeedsReboot(false, "6.1.0-57-cloud-amd64", Optional.of("6.1.0-57-cloud-amd64"), false, List.of(),
                    List.of())));
        }

        void put(String host, VmAnswer a) {
            answers.computeIfAbsent(host, h -> new LinkedHashMap<>()).put(a.vm(), a);
        }

        @Override public List<VmAnswer> ask(String host) {
            if (down.contains(host)) {
                throw new HostDown(host, "connection refused");
            }
            return List.copyOf(answers.getOrDefault(host, Map.of()).values());
        }
    }

    static final class Locks implements HostLocks {
        final Map<String, String> others = new LinkedHashMap<>();
        final List<String> mine = new ArrayList<>();

        @Override public Optional<String> take(String host) {
            if (others.containsKey(host)) {
                return Optional.of(others.get(host));
            }
            if (!mine.contains(host)) {
                mine.add(host);
            }
            return Optional.empty();
        }

        @Override public boolean renew(String host) {
            return mine.contains(host);
        }

        @Override public void release(String host) {
            mine.remove(host);
        }

        @Override public Optional<String> holder(String host) {
            return others.containsKey(host) ? Optional.of(others.get(host)) : mine.contains(host) ? Optional.of("this watch") : Optional.empty();
        }
    }

    static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void set(Instant t) {
            now = t;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override public ZoneId getZone() {
            return ZONE;
        }

        @Override public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override public Instant instant() {
            return now;
        }
    }

    /** A metric's value for exactly these labels; NaN when there is no such series. */
    double value(String name, Map<String, String> labels) {
        for (MetricSnapshot s : metrics.registry().scrape()) {
            String base = s.getMetadata().getPrometheusName();
            if (!name.equals(base) && !name.equals(base + "_total")) {
                continue;
            }
            for (DataPointSnapshot d : s.getDataPoints()) {
                if (d.getLabels().size() != labels.size() || !labels.entrySet().stream().allMatch(e -> e.getValue().equals(d.getLabels().get(e.getKey())))) {
                    continue;
                }
                if (d instanceof io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot g) {
                    return g.getValue();
                }
                if (d instanceof io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot c) {
                    return c.getValue();
                }
            }
        }
        return Double.NaN;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String line) {
        try {
            return new ObjectMapper().readValue(line, Map.class);
        } catch (Exception e) {
            throw new IllegalStateException(line, e);
        }
    }

    static void awaitLines(Path f, int n) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end && (!Files.exists(f) || Files.readAllLines(f).size() < n)) {
            Thread.sleep(50);
        }
    }
}
