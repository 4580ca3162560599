package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.spec.ByteSize;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.bgreboot.output.Schemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * "Bring your own guest": Debian 12 with only qemu-guest-agent, a persistent disk in /etc/fstab
 * the way people write it (nofail, mounted at boot) and a service of its own, none of bgreboot's
 * hooks (the debian-plain guest). `guest check` fails and names what is missing, `guest install`
 * fixes it through the agent, `guest check` passes, and a background reboot loses nothing.
 */
@ExtendWith(KillStrayVms.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestContractIT {
    private static String name;
    private static Path spec;

    @BeforeAll
    static void startThePlainGuest() {
        GuestImage plain = new GuestBuilder(TestVms.home()).ensure("debian-plain", line -> System.out.println("  " + line));
        name = "plain-" + System.nanoTime() % 100000;
        Path persistent = TestVms.home().home().resolve("data").resolve(name).resolve("persist.img");
        spec = GuestSpecs.write(new GuestSpecs.Request(name, plain, ByteSize.ofMiB(1024), TestVms.freePort(), persistent),
                TestVms.home().specs().resolve(name + ".toml"));
        Cli.Run start = Cli.run("vm", "start", spec.toString());
        assertThat(start.exit()).as(start.stdout() + start.stderr()).isZero();
    }

    @AfterAll
    static void stop() {
        if (spec != null) {
            Cli.run("vm", "stop", name);
        }
    }

    @Test
    @Order(1)
    void theCheckFailsAndNamesWhatIsMissing() {
        Cli.Run check = Cli.run("guest", "check", name);
        System.out.println(check.stdout());
        assertThat(check.exit()).as("a guest without the hooks cannot be rebooted in the background").isNotZero();
        assertThat(check.stdout()).contains("ok   guest agent answers").contains("ok   persistent disk present")
                .containsPattern("FIX +hook /usr/sbin/bgreboot-release +missing or not executable: run 'bgreboot guest install'")
                .containsPattern("FIX +hook /usr/sbin/bgreboot-attach")
                .containsPattern("FIX +boot does not wait for it +its /etc/fstab line lacks 'noauto'");
    }

    @Test
    @Order(2)
    void installMakesTheCheckPass() {
        Cli.Run install = Cli.run("guest", "install", name);
        System.out.println(install.stdout() + install.stderr());
        assertThat(install.exit()).as(install.stderr()).isZero();
        Cli.Run check = Cli.run("guest", "check", name);
        System.out.println(check.stdout());
        assertThat(check.stdout()).doesNotContain("FIX").contains("ok   hook /usr/sbin/bgreboot-release")
                .containsPattern("ok +boot does not wait for it +.*noauto");
        assertThat(check.exit()).isZero();
        Cli.Run again = Cli.run("guest", "install", name);
        assertThat(again.exit()).as("installing twice is fine: " + again.stderr()).isZero();
    }

    @Test
    @Order(3)
    void thenABackgroundRebootLosesNothing() throws Exception {
        Path json = TestVms.home().home().resolve(name + "-reboot.json");
        // --no-install: the kernel package's initramfs takes minutes under TCG, and is not what is tested; the clone at
        // normal priority: the prober and the writer keep FG busy, and an adaptive clone waits for its deadline (BusyHostIT's
        // subject), here what is tested is the guest that `guest install` made
        Cli.Run reboot = Cli.run("reboot", name, "--no-install", "--force", "--bg-share", "normal", "--measure", "--json", json.toString());
        System.out.println(reboot.stdout());
        assertThat(reboot.exit()).as(reboot.stderr()).isZero();
        JsonNode j = Schemas.assertValidFile("reboot", json);
        assertThat(j.get("outcome").asText()).isEqualTo("switched");
        assertThat(j.get("acked_writes").asInt()).as("the writer was acknowledged throughout").isGreaterThan(10);
        assertThat(j.get("acked_writes_lost").asInt()).isZero();
        assertThat(j.get("fg_stopped_after_bg_ready").asBoolean()).isTrue();
        assertThat(j.get("generation").asInt()).as("the clone serves").isEqualTo(1);
        assertThat(j.get("disk_handover").asText()).isEqualTo("hot_plug");
    }
}
