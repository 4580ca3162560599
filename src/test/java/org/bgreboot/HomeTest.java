package org.bgreboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where bgreboot finds what it ships for guests: a checkout's guest/ first, else the installed package's. */
class HomeTest {
    @TempDir Path dir;

    @Test
    void aCheckoutsGuestDirectoryComesFirst() throws IOException {
        Path checkout = Files.createDirectories(dir.resolve("checkout/guest")).getParent();
        Path installed = Files.createDirectories(dir.resolve("usr/share/bgreboot/guest"));
        assertThat(Home.guestSources(checkout, installed)).isEqualTo(checkout.resolve("guest"));
    }

    @Test
    void withoutACheckoutTheInstalledPackagesDirectoryIsUsed() throws IOException {
        Path installed = Files.createDirectories(dir.resolve("usr/share/bgreboot/guest"));
        assertThat(Home.guestSources(Files.createDirectories(dir.resolve("elsewhere")), installed)).isEqualTo(installed);
    }

    @Test
    void neitherIsOneLineSayingWhatToDo() {
        assertThatThrownBy(() -> Home.guestSources(dir.resolve("elsewhere"), dir.resolve("usr/share/bgreboot/guest")))
                .isInstanceOf(UserError.class).hasMessageContaining("install the bgreboot package").hasMessageNotContaining("\n");
    }
}
