package org.bgreboot.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestImageTest {
    @TempDir
    Path dir;

    @Test
    void aDebianManifestSaysItsRelease() throws IOException {
        Files.writeString(dir.resolve("guest.json"), """
                {"name":"debian11","variant":"bgreboot","debian":{"codename":"bullseye","version":11},"system_disk":"system.qcow2",
                 "persistent_disk":"persist.img","persistent_serial":"bgpersist","boot":"disk",
                 "versions":[{"version":"v1","kernel_release":"5.10.0-32-cloud-amd64"},{"version":"v2","kernel_release":"5.10.0-46-cloud-amd64"}],
                 "update":["/usr/sbin/bgreboot-update","v2"],"release":["/usr/sbin/bgreboot-release"],"attach":["/usr/sbin/bgreboot-attach"],
                 "ready":["/usr/sbin/bgreboot-ready"],"kexec":["/usr/sbin/bgreboot-kexec"],"service_port":80}
                """);
        GuestImage image = GuestImage.read(dir);
        assertThat(image.manifest().debian()).isEqualTo(new GuestImage.Debian("bullseye", 11));
        assertThat(image.manifest().release()).containsExactly("/usr/sbin/bgreboot-release");
        assertThat(image.last().kernelRelease()).isEqualTo("5.10.0-46-cloud-amd64");
    }

    @Test
    void aManifestWithoutOneHasNone() throws IOException {
        Files.writeString(dir.resolve("guest.json"), """
                {"name":"demo","system_disk":"system.qcow2","persistent_disk":"persist.img","persistent_serial":"bgpersist",
                 "versions":[{"version":"v1","kernel":"v1/vmlinuz"}],"update":["u"],"release":["r"],"attach":["a"],"ready":["x"]}
                """);
        assertThat(GuestImage.read(dir).manifest().debian()).isNull();
    }
}
