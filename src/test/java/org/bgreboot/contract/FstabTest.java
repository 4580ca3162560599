package org.bgreboot.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The persistent disk's /etc/fstab line as `guest check` reads it and `guest install` rewrites it. */
class FstabTest {
    private static final String FSTAB = """
            # /etc/fstab: static file system information.
            LABEL=debroot / ext4 errors=remount-ro 0 1
            # /home on the persistent disk
            /dev/disk/by-id/virtio-bgpersist  /home  ext4  defaults,nofail  0 0
            """;

    @Test
    void theLineOfAMountIsFoundAndCommentsAreNot() {
        assertThat(ContractCheck.fstabLine(FSTAB, "/home")).startsWith("/dev/disk/by-id/virtio-bgpersist");
        assertThat(ContractCheck.fstabLine(FSTAB, "/srv")).isEmpty();
        assertThat(ContractCheck.options(ContractCheck.fstabLine(FSTAB, "/home"))).containsExactly("defaults", "nofail");
    }

    @Test
    void installMakesOnlyThatLineNoautoNofail() {
        String fixed = ContractCheck.withNoauto(FSTAB, "/home");
        assertThat(ContractCheck.options(ContractCheck.fstabLine(fixed, "/home"))).containsExactly("defaults", "nofail", "noauto");
        assertThat(fixed.lines().toList()).hasSize(4).contains("LABEL=debroot / ext4 errors=remount-ro 0 1", "# /home on the persistent disk");
        assertThat(fixed).endsWith("\n");
        assertThat(ContractCheck.withNoauto(fixed, "/home")).as("already noauto,nofail: unchanged").isEqualTo(fixed);
    }
}
