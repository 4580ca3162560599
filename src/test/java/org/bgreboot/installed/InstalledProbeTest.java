package org.bgreboot.installed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class InstalledProbeTest {

    @Test
    void kernelsAreOrderedAsUpdateGrubOrdersThem() {
        assertThat(KernelVersions.newest(List.of("6.1.0-9-amd64", "6.1.0-57-cloud-amd64", "6.1.0-50-cloud-amd64", "5.10.0-30-amd64")))
                .contains("6.1.0-57-cloud-amd64");
        assertThat(KernelVersions.compare("6.12.9+deb13-amd64", "6.12.10+deb13-amd64")).isNegative();
        assertThat(KernelVersions.compare("5.10.0-30-amd64", "5.10.0-30-amd64")).isZero();
    }

    @Test
    void debiansFlagFileNamesThePackages() {
        NeedsReboot n = InstalledProbe.parse("""
                running=6.1.0-50-cloud-amd64
                flag=1
                pkg=linux-image-6.1.0-57-cloud-amd64
                pkg=linux-image-6.1.0-57-cloud-amd64
                kernel=6.1.0-50-cloud-amd64
                kernel=6.1.0-57-cloud-amd64
                grub=/boot/vmlinuz-6.1.0-57-cloud-amd64
                """);
        assertThat(n.needed()).isTrue();
        assertThat(n.flagged()).isTrue();
        assertThat(n.packages()).containsExactly("linux-image-6.1.0-57-cloud-amd64");
        assertThat(n.nextBoot()).contains("6.1.0-57-cloud-amd64");
        assertThat(n.reasons()).containsExactly("/run/reboot-required (linux-image-6.1.0-57-cloud-amd64)",
                "kernel 6.1.0-57-cloud-amd64 is installed, 6.1.0-50-cloud-amd64 runs");
    }

    /** A plain 'apt-get install' of a kernel writes no flag: the newer kernel installed is the sign. */
    @Test
    void aNewerKernelWithoutTheFlagStillNeedsAReboot() {
        NeedsReboot n = InstalledProbe.parse("running=6.1.0-50-amd64\nkernel=6.1.0-50-amd64\nkernel=6.1.0-57-amd64\n");
        assertThat(n.needed()).isTrue();
        assertThat(n.flagged()).isFalse();
        assertThat(n.nextBoot()).contains("6.1.0-57-amd64");
    }

    /** GRUB's own next boot wins over the version order (a GRUB_DEFAULT pinned to the running kernel). */
    @Test
    void whatGrubBootsNextDecides() {
        NeedsReboot n = InstalledProbe.parse("running=6.1.0-50-amd64\nkernel=6.1.0-50-amd64\nkernel=6.1.0-57-amd64\ngrub=/boot/vmlinuz-6.1.0-50-amd64\n");
        assertThat(n.needed()).isFalse();
        assertThat(n.summary()).isEqualTo("no (runs 6.1.0-50-amd64, what its boot loader boots next)");
    }

    @Test
    void aGuestPackageHookCanSaySoForOtherGuests() {
        NeedsReboot n = InstalledProbe.parse("running=6.1.0-50\nhook=0 10-libc glibc 2.36-9 is newer than what runs\nhook=1 20-other \n");
        assertThat(n.needed()).isTrue();
        assertThat(n.reasons()).containsExactly("needs-reboot.d/10-libc: glibc 2.36-9 is newer than what runs");
    }

    @Test
    void nothingInstalledAndNothingFlaggedNeedsNoReboot() {
        NeedsReboot n = InstalledProbe.parse("running=6.1.0-50-cloud-amd64\n");
        assertThat(n.needed()).isFalse();
        assertThat(n.nextBoot()).isEmpty();
        assertThat(n.summary()).isEqualTo("no (runs 6.1.0-50-cloud-amd64)");
    }
}
