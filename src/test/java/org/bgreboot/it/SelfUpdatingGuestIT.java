package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.output.Schemas;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.testnet.LocalAptRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Debian guest that updates itself, as operators' guests do: Debian's own unattended-upgrades,
 * in the debian12-unattended guest, installs a newer kernel from a local apt repository served to
 * it (the release's newer kernel packages, apt-ftparchive), its kernel hook flags the reboot, and
 * a plain `bgreboot reboot VM` (a spec without an update section, no update options) boots the
 * clone into that kernel in the background, losing no acknowledged write. Opt-in
 * ({@code -Dbgreboot.it.unattended=true}): the kernel's install inside the guest (dpkg, the
 * initramfs, under TCG) alone is 1.5–3 minutes, past what the suite's budget leaves.
 */
@ExtendWith(KillStrayVms.class)
@EnabledIfSystemProperty(named = "bgreboot.it.unattended", matches = "true")
class SelfUpdatingGuestIT {

    @Test
    void theGuestInstallsANewerKernelItselfAndAPlainRebootBootsItInTheBackground() throws Exception {
        GuestImage image = new GuestBuilder(TestVms.home()).ensure("debian12-unattended", line -> System.out.println("  " + line));
        String older = image.first().kernelRelease();
        String newer = image.last().kernelRelease();
        String name = "selfupd-" + System.nanoTime() % 100000;
        Path persistent = TestVms.home().home().resolve("data").resolve(name).resolve("persist.img");
        // 512 MiB: unattended-upgrade (Python) and the kernel's initramfs at once
        Path spec = GuestSpecs.write(new GuestSpecs.Request(name, image, ByteSize.ofMiB(512), TestVms.freePort(), persistent),
                TestVms.home().specs().resolve(name + ".toml"));
        assertThat(Files.readString(spec)).as("nothing of bgreboot's to install").doesNotContain("[update]").doesNotContain("bgreboot-update");
        Cli.Run start = Cli.run("vm", "start", spec.toString());
        assertThat(start.exit()).as(start.stderr()).isZero();
        try {
            Cli.Run early = Cli.run("reboot", name);
            // refused in one line, after the phase that asked the guest (its progress lines come first)
            FaultIT.expectOneLineRefusal(early, "needs no reboot");
            assertThat(early.error()).contains("--force");

            try (LocalAptRepository repo = LocalAptRepository.serveOnLoopback(TestVms.REPO, image,
                    TestVms.home().home().resolve("apt-" + name), TestVms.freePort())) {
                exec(name, 60, "sh", "-c", "echo '" + repo.sourcesLine() + "' > " + LocalAptRepository.SOURCES_FILE);
                exec(name, 300, "apt-get", "-q", "update");
                exec(name, 1200, "unattended-upgrade", "-v");
            }
            assertThat(exec(name, 60, "dpkg-query", "-W", "-f", "${db:Status-Status}", "linux-image-" + newer).stdout().strip())
                    .as("unattended-upgrade installed the newer kernel").isEqualTo("installed");
            JsonNode needs = status(name).get("needs_reboot");
            assertThat(needs.get("needed").asBoolean()).as(needs.toString()).isTrue();
            assertThat(needs.get("reboot_required_flag").asBoolean()).as("the kernel hook of unattended-upgrades wrote /run/reboot-required").isTrue();
            assertThat(needs.get("packages").toString()).contains("linux-image-" + newer);
            assertThat(needs.get("running_kernel").asText()).isEqualTo(older);
            assertThat(needs.get("next_boot_kernel").asText()).isEqualTo(newer);

            Path json = TestVms.home().home().resolve(name + "-reboot.json");
            Cli.Run reboot = Cli.run("reboot", name, "--measure", "--json", json.toString());
            assertThat(reboot.exit()).as(reboot.stderr()).isZero();
            JsonNode j = Schemas.assertValidFile("reboot", json);
            assertThat(j.get("outcome").asText()).isEqualTo("switched");
            assertThat(j.get("method").asText()).isEqualTo("background");
            assertThat(j.get("install_ms").isNull() || j.get("install_ms").asDouble() == 0).as("bgreboot installed nothing").isTrue();
            assertThat(j.get("kernel_before").asText()).isEqualTo(older);
            assertThat(j.get("kernel_after").asText()).as("the clone booted what the guest installed").isEqualTo(newer);
            assertThat(j.get("version_after").asText()).as("only the kernel changed").isEqualTo("v1");
            assertThat(j.get("acked_writes").asInt()).isGreaterThan(10);
            assertThat(j.get("acked_writes_lost").asInt()).isZero();
            Headline.assertBounded(j.get("downtime_ms").asDouble(), j.get("write_gap_ms").asDouble(), j.get("switch_ms").asDouble());

            Cli.Run old = exec(name, 60, "dpkg-query", "-W", "-f", "${db:Status-Status}", "linux-image-" + older);
            assertThat(old.stdout().strip()).as("the old kernel stays installed, as Debian keeps it").isEqualTo("installed");
            assertThat(status(name).get("needs_reboot").get("needed").asBoolean()).as("the new boot needs none").isFalse();
        } finally {
            Cli.run("vm", "stop", name);
        }
    }

    private static Cli.Run exec(String vm, int timeoutSeconds, String... argv) {
        String[] args = new String[argv.length + 5];
        args[0] = "vm";
        args[1] = "exec";
        args[2] = "--timeout=" + timeoutSeconds;
        args[3] = vm;
        args[4] = "--";
        System.arraycopy(argv, 0, args, 5, argv.length);
        Cli.Run r = Cli.run(args);
        assertThat(r.exit()).as(String.join(" ", argv) + ": " + r.stderr()).isZero();
        return r;
    }

    private static JsonNode status(String vm) throws Exception {
        Cli.Run s = Cli.run("vm", "status", vm, "--json");
        assertThat(s.exit()).as(s.stderr()).isZero();
        return new ObjectMapper().readTree(s.stdout());
    }
}
