package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.bgreboot.guest.GuestBuilder;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.guest.GuestSpecs;
import org.bgreboot.spec.ByteSize;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One smoke test per Debian release (11, 12, 13), each built from its own archive with a kernel
 * update of its own series: the guest boots, `guest install` and `guest check` pass, and one
 * background reboot installs the newer kernel and brings it up with no acknowledged write lost.
 * Lean on purpose (256 MiB, one reboot): the kernel install inside the guest (dpkg and its
 * initramfs, 1.5-2.5 minutes under TCG here) is most of each test's time.
 */
@ExtendWith(KillStrayVms.class)
class DebianReleasesIT {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"debian11", "debian12", "debian13"})
    void installCheckAndOneBackgroundRebootIntoTheNewerKernel(String guest) throws Exception {
        GuestImage image = new GuestBuilder(TestVms.home()).ensure(guest, line -> System.out.println("  " + line));
        String older = image.first().kernelRelease();
        String newer = image.last().kernelRelease();
        assertThat(newer).as("a kernel update inside the release's own series").isNotEqualTo(older);
        String name = guest + "-" + System.nanoTime() % 100000;
        Path persistent = TestVms.home().home().resolve("data").resolve(name).resolve("persist.img");
        Path spec = GuestSpecs.write(new GuestSpecs.Request(name, image, ByteSize.ofMiB(256), TestVms.freePort(), persistent),
                TestVms.home().specs().resolve(name + ".toml"));
        Cli.Run start = Cli.run("vm", "start", spec.toString());
        assertThat(start.exit()).as(start.stderr()).isZero();
        try {
            Cli.Run install = Cli.run("guest", "install", name);
            assertThat(install.exit()).as(install.stderr()).isZero();
            Cli.Run check = Cli.run("guest", "check", name);
            assertThat(check.stdout()).doesNotContain("FIX").contains("ok   guest agent answers").contains("ok   hook /usr/sbin/bgreboot-release");
            assertThat(check.exit()).isZero();

            Path json = TestVms.home().home().resolve(name + "-reboot.json");
            Cli.Run reboot = Cli.run("reboot", name, "--measure", "--json", json.toString());
            assertThat(reboot.exit()).as(reboot.stderr()).isZero();
            JsonNode j = new ObjectMapper().readTree(json.toFile());
            assertThat(j.get("aborted").isNull()).isTrue();
            assertThat(j.get("generation").asInt()).as("the clone serves").isEqualTo(1);
            assertThat(j.get("acked_writes").asInt()).as("the writer was acknowledged throughout").isGreaterThan(10);
            assertThat(j.get("acked_writes_lost").asInt()).isZero();
            assertThat(j.get("kernel_before").asText()).isEqualTo(older);
            assertThat(j.get("kernel_after").asText()).as("the newer kernel serves").isEqualTo(newer);
            assertThat(j.get("version_after").asText()).isEqualTo("v2");
        } finally {
            Cli.run("vm", "stop", name);
        }
    }
}
