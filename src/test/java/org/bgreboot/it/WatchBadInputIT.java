package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code bgreboot watch}'s mistakes, as a user makes them: one line each, exit 2, nothing started. */
class WatchBadInputIT {
    static final String NO_HOST = "qemu+unix:///system?socket=/nonexistent/libvirt-sock";

    static void oneLine(Cli.Run r, String start) {
        assertThat(r.exit()).as(r.stderr()).isEqualTo(2);
        assertThat(r.stderrLines()).as(r.stderr()).hasSize(1);
        assertThat(r.error()).startsWith("bgreboot: " + start);
    }

    @Test void eachMistakeIsOneLine() throws Exception {
        oneLine(Cli.run("watch", "--connect", NO_HOST, "--window", "Mon-Fri 2-5"), "--window 'Mon-Fri 2-5' does not parse: '2' is not a time HH:MM");
        oneLine(Cli.run("watch", "--connect", NO_HOST, "--interval", "5s"), "--interval 5s is too short: give 10s or more");
        oneLine(Cli.run("watch", "--connect", NO_HOST, "--block-command", "/nonexistent/alerts-firing"),
                "--block-command '/nonexistent/alerts-firing': /nonexistent/alerts-firing does not exist or is not executable");
        try (ServerSocket taken = new ServerSocket(16763, 1, InetAddress.getByName("127.0.0.1"))) {
            oneLine(Cli.run("watch", "--connect", NO_HOST, "--metrics-listen", "127.0.0.1:16763"),
                    "--metrics-listen 127.0.0.1:16763: the address is in use (another process listens there)");
        }
        oneLine(Cli.run("watch", "--connect", NO_HOST, "--once"), "host " + NO_HOST + " does not answer at start: cannot reach libvirt at ");
        oneLine(Cli.run("watch"), "name the libvirt hosts to watch with --connect URI");
    }
}
