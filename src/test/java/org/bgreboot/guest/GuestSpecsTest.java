package org.bgreboot.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.spec.ByteSize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestSpecsTest {
    @TempDir
    Path dir;

    private GuestImage image(String extra) throws IOException {
        Files.writeString(dir.resolve("guest.json"), """
                {"name":"debian12-unattended","variant":"unattended","debian":{"codename":"bookworm","version":12},"system_disk":"system.qcow2",
                 "persistent_disk":"persist.img","persistent_serial":"bgpersist","boot":"disk",
                 "versions":[{"version":"v1","kernel_release":"6.1.0-50-cloud-amd64"},{"version":"v2","kernel_release":"6.1.0-57-cloud-amd64"}],
                 "update":["/usr/sbin/bgreboot-update","v2"],"release":["/usr/sbin/bgreboot-release"],"attach":["/usr/sbin/bgreboot-attach"],
                 "ready":["/usr/sbin/bgreboot-ready"],"kexec":["/usr/sbin/bgreboot-kexec"],"service_port":80,"guest_package":"g.deb",
                 "disk_swap":true%s}
                """.formatted(extra));
        return GuestImage.read(dir);
    }

    private String toml(GuestImage image) {
        return GuestSpecs.toml(new GuestSpecs.Request("vm", image, ByteSize.ofMiB(512), 18000, dir.resolve("persist.img")));
    }

    @Test
    void aGuestThatUpdatesItselfGetsNoUpdateSection() throws IOException {
        String spec = toml(image(",\"apt_updates\":[\"updates/linux-image-6.1.0-57-cloud-amd64_6.1.192-3_amd64.deb\"]"));
        assertThat(spec).doesNotContain("[update]").doesNotContain("bgreboot-update").contains("the guest installs its own updates")
                .contains("[switch]").contains("[ready]");
    }

    @Test
    void theBenchGuestGetsItsUpdateAndKexec() throws IOException {
        assertThat(toml(image(""))).contains("[update]").contains("install = [\"/usr/sbin/bgreboot-update\", \"v2\"]")
                .contains("kexec = [\"/usr/sbin/bgreboot-kexec\"]");
    }
}
