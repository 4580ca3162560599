package org.bgreboot.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchConfigTest {
    @TempDir Path tmp;

    @Test void readsEveryKeyOfTheCommentedExample() throws Exception {
        Path f = tmp.resolve("watch.toml");
        Files.writeString(f, """
                # comments as in /etc/bgreboot/watch.toml
                connect = ["qemu:///system", "qemu+ssh://root@host2/system"]
                interval = "10m"
                window = ["Mon-Fri 02:00-05:00", "Sat 01:00-06:00"]
                parallel = 1
                max_unavailable = 2
                block_command = "/usr/local/bin/alerts-firing"
                notify_command = "/usr/local/bin/notify-chat"
                metrics_listen = "127.0.0.1:9795"
                """);
        WatchConfig c = WatchConfig.read(f);
        assertThat(c.connect()).containsExactly("qemu:///system", "qemu+ssh://root@host2/system");
        assertThat(c.window()).hasSize(2);
        assertThat(c.maxUnavailable()).contains(2);
        assertThat(c.metricsListen()).contains("127.0.0.1:9795");
        assertThat(Durations.parse("--interval", c.interval().get())).isEqualTo(Duration.ofMinutes(10));
        assertThat(WatchConfig.or(Optional.of(3), c.parallel(), 1)).isEqualTo(3); // the command line wins
    }

    @Test void theExampleWithEverythingCommentedOutIsEmpty() throws Exception {
        Path f = tmp.resolve("watch.toml");
        Files.writeString(f, "# everything commented out\n#interval = \"10m\"\n");
        assertThat(WatchConfig.read(f)).isEqualTo(WatchConfig.none());
    }

    @Test void mistakesAreOneLine() throws Exception {
        Path f = tmp.resolve("watch.toml");
        Files.writeString(f, "intervall = \"10m\"\n");
        assertThatThrownBy(() -> WatchConfig.read(f)).isInstanceOf(UserError.class).hasMessageContaining("unknown key 'intervall'");
        Files.writeString(f, "parallel = \"two\"\n");
        assertThatThrownBy(() -> WatchConfig.read(f)).isInstanceOf(UserError.class).hasMessageEndingWith("parallel must be a whole number");
        assertThatThrownBy(() -> WatchConfig.read(tmp.resolve("nope.toml"))).isInstanceOf(UserError.class).hasMessageStartingWith("no config file at");
    }

    @Test void settingsRefuseAShortIntervalAndCommandsThatDoNotExist() {
        assertThatThrownBy(() -> new WatchSettings(List.of("qemu:///system"), Duration.ofSeconds(5), Windows.ALWAYS, 1, 1, false, Optional.empty(),
                Optional.empty(), Optional.empty(), false, Optional.empty())).isInstanceOf(UserError.class)
                .hasMessage("--interval 5s is too short: give 10s or more (each round asks every VM's guest)");
        assertThatThrownBy(() -> OperatorCommand.of("--block-command", "/nonexistent/alerts-firing --quiet")).isInstanceOf(UserError.class)
                .hasMessage("--block-command '/nonexistent/alerts-firing --quiet': /nonexistent/alerts-firing does not exist or is not executable; "
                        + "give a program that exists (its full path, or one on PATH)");
        assertThatThrownBy(() -> OperatorCommand.of("--notify-command", "no-such-notifier")).isInstanceOf(UserError.class)
                .hasMessageContaining("no-such-notifier is not a program on PATH");
        assertThat(Durations.parse("--interval", "1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThatThrownBy(() -> Durations.parse("--interval", "ten minutes")).isInstanceOf(UserError.class);
    }

    @Test void aVetoThatHangsIsANo() {
        OperatorCommand c = OperatorCommand.of("--block-command", "sleep 5");
        OperatorCommand.Run r = c.run("", java.util.Map.of(), Duration.ofMillis(300));
        assertThat(r.ok()).isFalse();
        assertThat(r.timedOut()).isTrue();
    }
}
