package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bgreboot.FaultPoint;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.engine.embedded.QemuProcess;
import org.bgreboot.engine.embedded.RuntimeDir;
import org.bgreboot.testnet.TestNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A VM with its own address on a bridge, in a test network the test makes (a switch namespace with
 * the bridge, a client namespace where requests come from) and tears down by name. Before the
 * switch the clone is unreachable though its link is up: its tap is no port of the bridge. After it,
 * the bridge forwards the VM's MAC to the clone's tap. Mistakes (a missing bridge, a MAC taken on
 * the bridge, no right to make taps) get one line and change nothing.
 */
@ExtendWith(KillStrayVms.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestNetwork net;
    private static Path specFile;
    private static String name;
    private static EmbeddedVm vm;

    @BeforeAll
    static void network() {
        net = TestNetwork.up(TestVms.REPO, "brit", 31);
        specFile = TestVms.writeBridgedDemoSpec("bridge", net.place(0));
        name = TestVms.nameOf(specFile);
        vm = TestVms.vm(specFile);
        TestVms.lab().freshStart(vm);
    }

    @AfterAll
    static void teardown() {
        try {
            if (vm != null) {
                TestVms.lab().stop(vm);
            }
        } finally {
            if (net != null) {
                net.close();
            }
        }
        assertThat(Path.of("/run/netns/bgrn-brit-sw")).as("the test network is gone").doesNotExist();
    }

    @Test
    @Order(1)
    void beforeTheSwitchTheCloneIsCutOffThoughItsLinkIsUp() throws Exception {
        String fgBoot = Http.identity(vm.spec()).path("boot_id").asText();
        int generation = vm.stateDir().readState().orElseThrow().generation();
        Cli.Run killed = Cli.run(Map.of(FaultPoint.ENV, "before:take_network"), "reboot", name);
        assertThat(killed.exit()).as("bgreboot died right before the switch").isEqualTo(137);
        RuntimeDir clone = vm.runtime(generation + 1);
        String fgTap = tapOf(generation);
        String bgTap = tapOf(generation + 1);

        assertThat(master(bgTap)).as("the clone's tap is no port of the bridge").isEmpty();
        assertThat(master(fgTap)).isEqualTo(net.bridge());
        assertThat(portOfMac()).as("the bridge forwards the VM's MAC to FG").isEqualTo(fgTap);
        try (GuestAgent bg = GuestAgent.connect(clone.agentSocket(), Duration.ofSeconds(10))) {
            assertThat(bg.exec(List.of("cat", "/sys/class/net/eth0/carrier"), Duration.ofSeconds(10)).stdoutText().strip())
                    .as("the clone's link is up (its queue runs before the switch)").isEqualTo("1");
            assertThat(bg.exec(List.of("ping", "-c", "2", "-W", "1", net.clientAddress()), Duration.ofSeconds(20)).ok())
                    .as("the clone cannot reach the client").isFalse();
        }
        // the positive control: the same ping from FG, whose tap is a port of the bridge, reaches the client
        // (the agent's connection closed after: QEMU's agent socket takes one client, and recover needs it)
        try (QemuProcess fg = serving()) {
            assertThat(fg.agent().exec(List.of("ping", "-c", "2", "-W", "1", net.clientAddress()), Duration.ofSeconds(20)).ok())
                    .as("FG reaches the client").isTrue();
        }
        for (int i = 0; i < 20; i++) {
            assertThat(Http.identity(vm.spec()).path("boot_id").asText()).as("only FG answers the client").isEqualTo(fgBoot);
        }
        assertThat(portOfMac()).as("still FG's port").isEqualTo(fgTap);

        Cli.Run recovered = Cli.run("recover", name);
        assertThat(recovered.exit()).as(recovered.stderr()).isEqualTo(3); // the reboot's outcome: aborted (rolled back)
        assertThat(recovered.stdout()).contains("rolled back");
        assertThat(tapExists(bgTap)).as("the clone's tap went with it").isFalse();
    }

    @Test
    @Order(2)
    void afterTheSwitchTheBridgeForwardsTheMacToTheClone() throws IOException {
        int generation = vm.stateDir().readState().orElseThrow().generation();
        String fgBoot = Http.identity(vm.spec()).path("boot_id").asText();
        Path json = Files.createTempDirectory(TestVms.home().home(), "bridge-").resolve("reboot.json");
        Cli.Run r = Cli.run("reboot", name, "--measure", "--json", json.toString());
        assertThat(r.exit()).as(r.stderr()).isZero();
        // on a bridge a packet lost at the switch costs its client TCP's 1-s retry: the bounds catch it
        JsonNode j = JSON.readTree(json.toFile());
        assertThat(j.path("outcome").asText()).isEqualTo("switched");
        assertThat(j.path("acked_writes_lost").asInt()).isZero();
        Headline.assertBounded(j.path("downtime_ms").asDouble(), j.path("write_gap_ms").asDouble(), j.path("switch_ms").asDouble());
        String bgTap = tapOf(generation + 1);
        // announce-self went out at the switch; a second is generous even on a loaded machine
        TestVms.await("the MAC's forwarding entry on the clone's tap", Duration.ofSeconds(1), () -> bgTap.equals(portOfMac()));
        JsonNode id = Http.identity(vm.spec());
        assertThat(id.path("boot_id").asText()).isNotEqualTo(fgBoot);
        assertThat(id.path("version").asText()).isEqualTo("v2");
        assertThat(tapExists(tapOf(generation))).as("the old VM's tap is gone").isFalse();
        FaultIT.assertNothingLeftToRecover(Map.of(), name);
    }

    @Test
    @Order(3)
    void aBridgeThatDoesNotExistIsRefused() {
        Path spec = TestVms.writeBridgedDemoSpec("nobr", net.place(1));
        TestVms.rewrite(spec, s -> s.replace("bridge = \"" + net.bridge() + "\"", "bridge = \"bgrnnosuch\""));
        FaultIT.expectOneLineRefusal(Cli.run("vm", "start", spec.toString()), "the bridge bgrnnosuch (network namespace " + net.switchNetns()
                + ") does not exist");
    }

    @Test
    @Order(4)
    void aMacAlreadyOnTheBridgeIsRefused() {
        Path spec = TestVms.writeBridgedDemoSpec("twin", net.place(2));
        TestVms.rewrite(spec, s -> s.replaceFirst("(?m)^\\[network\\]$", "[network]\nmac = \"" + vm.spec().network().mac() + "\""));
        Cli.Run r = Cli.run("vm", "start", spec.toString());
        FaultIT.expectOneLineRefusal(r, "is already on the bridge");
        assertThat(r.error()).contains(vm.spec().network().mac());
        assertThat(TestVms.qemuPids(TestVms.vm(spec))).isEmpty();
    }

    /** As an unprivileged user, with a home, spec and persistent disk of its own: the tap cannot be made. */
    @Test
    @Order(5)
    void withoutTheRightToMakeTapsAStartIsRefused() throws Exception {
        Path home = Files.createTempDirectory("bgreboot-nobody-");
        Path spec = TestVms.writeBridgedDemoSpec("nobody", net.place(3));
        Path disk = home.resolve("persist.img");
        Files.copy(TestVms.demoImage().persistentDisk(), disk);
        Files.writeString(home.resolve("nobody.toml"), Files.readString(spec).replaceFirst("(?m)^path = \"[^\"]*persist.img\"",
                "path = \"" + disk + "\""));
        run("chown", "-R", "65534:65534", home.toString());
        run("chmod", "755", home.toString());
        ProcessBuilder pb = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                System.getProperty("bgreboot.jar", TestVms.REPO.resolve("target/bgreboot.jar").toString()), "vm", "start",
                home.resolve("nobody.toml").toString()).redirectErrorStream(true);
        pb.environment().put("BGREBOOT_HOME", home.resolve("home").toString());
        pb.environment().put("BGREBOOT_CACHE", TestVms.home().cache().toString());
        pb.environment().put("BGREBOOT_REPO", TestVms.REPO.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        System.out.println(out);
        assertThat(p.exitValue()).isNotZero();
        List<String> errors = out.lines().filter(l -> l.startsWith("bgreboot: ")).toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).contains("root").doesNotContain("Exception");
    }

    private static String tapOf(int generation) {
        return "bgr" + String.format("%06x", vm.spec().name().hashCode() & 0xffffff) + "-" + generation;
    }

    private static String master(String tap) {
        JsonNode link = ip("-j", "-d", "link", "show", "dev", tap);
        return link == null || link.isEmpty() ? "" : link.get(0).path("master").asText("");
    }

    private static boolean tapExists(String tap) {
        JsonNode link = ip("-j", "link", "show", "dev", tap);
        return link != null && !link.isEmpty();
    }

    /** The bridge port the VM's MAC is forwarded to now (bridge fdb), or "". */
    private static String portOfMac() {
        JsonNode fdb = tool("bridge", "-j", "fdb", "show", "br", net.bridge());
        for (JsonNode e : fdb == null ? JSON.createArrayNode() : fdb) {
            if (vm.spec().network().mac().equalsIgnoreCase(e.path("mac").asText()) && !net.bridge().equals(e.path("ifname").asText())) {
                return e.path("ifname").asText();
            }
        }
        return "";
    }

    private static JsonNode ip(String... args) {
        return tool("ip", args);
    }

    private static JsonNode tool(String tool, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of(tool, "-n", net.switchNetns()));
        argv.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                return null;
            }
            return out.isBlank() ? JSON.createArrayNode() : JSON.readTree(out);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String... argv) throws Exception {
        assertThat(new ProcessBuilder(argv).inheritIO().start().waitFor()).isZero();
    }

    static QemuProcess serving() {
        return vm.running().orElseThrow();
    }
}
