package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.output.Schemas;
import org.bgreboot.spec.ByteSize;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A smoke test per Debian release, each guest built from its own archive: the guest boots,
 * `guest install` runs the package's install through the agent on that release's dpkg and systemd,
 * `guest check` passes, and one background reboot switches with no acknowledged write lost and a
 * downtime bounded by the switch. Cheap on purpose, for the suite's time budget: the releases run
 * side by side (256 MiB each: boot, install, check, reboot, stop, one thread per release), the
 * reboot is forced into the kernel already installed (`--no-install --force`: installing each
 * release's newer kernel is 1.5–3 minutes of dpkg and initramfs under TCG, and the bench boots
 * every release into its newer kernel on every run), and its clone boots at normal priority.
 *
 * Releases: {@value #DEFAULT} unless {@code -Dbgreboot.it.debian=debian11,debian12,debian13} says
 * otherwise: debian12 is the guest of GuestContractIT, PostgresIT and the bench's.
 */
@ExtendWith(KillStrayVms.class)
class DebianReleasesIT {
    static final String DEFAULT = "debian11,debian13";
    private static final Map<String, Seen> SEEN = new ConcurrentHashMap<>();

    /** What each command said, in order; a step that failed ends the release's list there. */
    record Seen(String vm, List<Cli.Run> runs, Path json) {}

    static Stream<String> releases() {
        String asked = System.getProperty("bgreboot.it.debian", "");
        return Arrays.stream((asked.isBlank() ? DEFAULT : asked).split(",")).map(String::strip).filter(s -> !s.isEmpty());
    }

    /** Every release's VM runs at once: their boots and reboots overlap instead of adding up. */
    @BeforeAll
    static void runThemSideBySide() throws Exception {
        List<Thread> runs = releases().map(guest -> {
            GuestImage image = new GuestBuilder(TestVms.home()).ensure(guest, line -> System.out.println("  " + line));
            String name = guest + "-" + System.nanoTime() % 100000;
            Path persistent = TestVms.home().home().resolve("data").resolve(name).resolve("persist.img");
            Path spec = GuestSpecs.write(new GuestSpecs.Request(name, image, ByteSize.ofMiB(256), TestVms.freePort(), persistent),
                    TestVms.home().specs().resolve(name + ".toml"));
            Path json = TestVms.home().home().resolve(name + "-reboot.json");
            return new Thread(() -> SEEN.put(guest, smoke(name, spec, json)), "smoke-" + guest);
        }).toList();
        runs.forEach(Thread::start);
        for (Thread t : runs) {
            t.join();
        }
    }

    private static Seen smoke(String name, Path spec, Path json) {
        List<Cli.Run> runs = new ArrayList<>();
        try {
            List<List<String>> steps = List.of(List.of("vm", "start", spec.toString()), List.of("guest", "install", name),
                    List.of("guest", "check", name),
                    // the clone at normal priority: FG is busy with the prober and the writer, and an adaptive clone waits
                    // for its deadline on a busy host (BusyHostIT tests that); here it is the release's boot that is tested
                    List.of("reboot", name, "--no-install", "--force", "--bg-share", "normal", "--measure", "--json", json.toString()));
            for (List<String> step : steps) {
                Cli.Run r = Cli.run(step.toArray(String[]::new));
                runs.add(r);
                if (r.exit() != 0) {
                    break;
                }
            }
        } finally {
            Cli.run("vm", "stop", name);
        }
        return new Seen(name, runs, json);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("releases")
    void installCheckAndOneBackgroundReboot(String guest) throws Exception {
        Seen seen = SEEN.get(guest);
        List<Cli.Run> runs = seen.runs();
        Cli.Run start = runs.get(0);
        assertThat(start.exit()).as(start.stdout() + start.stderr()).isZero();
        Cli.Run install = runs.get(1);
        assertThat(install.exit()).as(install.stderr()).isZero();
        Cli.Run check = runs.get(2);
        assertThat(check.stdout()).doesNotContain("FIX").contains("ok   guest agent answers").contains("ok   hook /usr/sbin/bgreboot-release");
        assertThat(check.exit()).isZero();
        Cli.Run reboot = runs.get(3);
        assertThat(reboot.exit()).as(reboot.stderr()).isZero();
        JsonNode j = Schemas.assertValidFile("reboot", seen.json());
        assertThat(j.get("outcome").asText()).isEqualTo("switched");
        assertThat(j.get("generation").asInt()).as("the clone serves").isEqualTo(1);
        assertThat(j.get("fg_stopped_after_bg_ready").asBoolean()).isTrue();
        assertThat(j.get("acked_writes").asInt()).as("the writer was acknowledged throughout").isGreaterThan(10);
        assertThat(j.get("acked_writes_lost").asInt()).isZero();
        assertThat(j.get("kernel_after").asText()).as("the clone booted the release's kernel from its own disk")
                .isEqualTo(j.get("kernel_before").asText()).isNotBlank();
        Headline.assertBounded(j.get("downtime_ms").asDouble(), j.get("write_gap_ms").asDouble(), j.get("switch_ms").asDouble());
    }
}
