package org.bgreboot.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.jsonwire.FakePeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The wait for a clone's guest to take its link, against an agent peer in the test (the framing; real guests take it in every switch). */
@Timeout(20)
class GuestLinkTest {
    private static final String MAC = "52:54:00:12:34:56";
    private static final String INTERFACES = """
            [{"name": "lo", "hardware-address": "00:00:00:00:00:00"}, {"name": "enp0s2", "hardware-address": "52:54:00:12:34:56"}]""";

    @TempDir
    Path dir;
    private FakePeer qga;
    private GuestAgent agent;
    private final List<String> opened = new ArrayList<>();

    @AfterEach
    void tearDown() {
        agent.close();
        qga.close();
    }

    /** A guest whose operstate reads each of {@code states} in turn, then the last one for ever. */
    private void guest(String interfaces, String... states) {
        qga = FakePeer.agent(dir.resolve("qga.sock"));
        agent = GuestAgent.connect(dir.resolve("qga.sock"), Duration.ofSeconds(5));
        qga.answer("guest-network-get-interfaces", request -> FakePeer.reply(request, interfaces));
        qga.answer("guest-file-open", request -> {
            opened.add(request.path("arguments").path("path").asText());
            return FakePeer.reply(request, "7");
        });
        qga.answer("guest-file-read", request -> {
            String state = states[Math.min(opened.size(), states.length) - 1] + "\n";
            return FakePeer.reply(request, "{\"count\": " + state.length() + ", \"buf-b64\": \""
                    + Base64.getEncoder().encodeToString(state.getBytes(StandardCharsets.US_ASCII)) + "\", \"eof\": true}");
        });
        qga.answer("guest-file-close", request -> FakePeer.reply(request, "{}"));
    }

    @Test
    void waitsUntilTheInterfaceWithTheMacIsUp() {
        guest(INTERFACES, "down", "down", "down", "up");
        GuestLink.awaitUp(agent, MAC.toUpperCase());
        assertThat(opened).hasSize(4).containsOnly("/sys/class/net/enp0s2/operstate");
    }

    @Test
    void aDriverThatDoesNotSayIsTakenAsUp() {
        guest(INTERFACES, "unknown");
        GuestLink.awaitUp(agent, MAC);
        assertThat(opened).hasSize(1);
    }

    @Test
    void aGuestWithoutThatMacIsNotWaitedFor() {
        guest("[{\"name\": \"lo\", \"hardware-address\": \"00:00:00:00:00:00\"}]", "down");
        assertThat(GuestLink.awaitUp(agent, MAC)).isLessThan(GuestLink.LIMIT.toMillis());
        assertThat(opened).isEmpty();
    }

    @Test
    void theInterfaceIsLookedUpOnceWhileItsStateIsPolled() {
        guest(INTERFACES, "down", "up");
        java.util.concurrent.atomic.AtomicInteger lookUps = new java.util.concurrent.atomic.AtomicInteger();
        qga.answer("guest-network-get-interfaces", request -> {
            lookUps.incrementAndGet();
            return FakePeer.reply(request, INTERFACES);
        });
        GuestLink.awaitUp(agent, MAC);
        assertThat(lookUps).hasValue(1);
        assertThat(opened).containsExactly("/sys/class/net/enp0s2/operstate", "/sys/class/net/enp0s2/operstate");
    }

    @Test
    void aLinkThatNeverComesIsWaitedForUpToTheLimitThenLeft() {
        guest(INTERFACES, "down");
        long ms = GuestLink.awaitUp(agent, MAC);
        assertThat(ms).isBetween(GuestLink.LIMIT.toMillis(), GuestLink.LIMIT.toMillis() + 5_000);
    }

    @Test
    void anAgentThatCannotAnswerIsNotWaitedFor() {
        guest(INTERFACES, "down");
        qga.answer("guest-network-get-interfaces", request -> FakePeer.error(request, "CommandNotFound", "The command guest-network-get-interfaces has not been found"));
        assertThat(GuestLink.awaitUp(agent, MAC)).isLessThan(GuestLink.LIMIT.toMillis());
        assertThat(opened).isEmpty();
    }
}
