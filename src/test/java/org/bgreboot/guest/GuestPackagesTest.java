package org.bgreboot.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prebuilt guest packages of an installed bgreboot, as its Debian package lays them out. */
class GuestPackagesTest {
    @TempDir Path dir;

    @Test
    void theGuestPackageComesFirstThenTheService() throws IOException {
        Path svc = Files.createFile(dir.resolve("bgreboot-svc_0.1.0_amd64.deb"));
        Path guest = Files.createFile(dir.resolve("bgreboot-guest_0.1.0_amd64.deb"));
        assertThat(GuestPackages.prebuilt(dir)).containsExactly(guest, svc);
    }

    @Test
    void aMissingPackageSaysSo() throws IOException {
        Files.createFile(dir.resolve("bgreboot-svc_0.1.0_amd64.deb"));
        assertThatThrownBy(() -> GuestPackages.prebuilt(dir)).isInstanceOf(UserError.class)
                .hasMessage("expected one bgreboot-guest package in " + dir + ", found 0: reinstall bgreboot");
    }
}
