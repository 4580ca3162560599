package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bgreboot.FaultPoint;
import org.bgreboot.experiment.LibvirtLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bad inputs of the libvirt engine, each against a real libvirtd: one line saying what is
 * wrong and what to do, a non-zero exit, and the domain untouched (its definition as it was,
 * the same boot serving).
 */
class LibvirtBadInputIT {
    private static LibvirtLab.DemoDomain d;
    private static String uri;

    @BeforeAll
    static void startTheVm() {
        d = LibvirtTestLab.newDomain("lvbad", 0);
        uri = d.host().uri();
        Cli.Run start = Cli.run("vm", "start", "--connect", uri, d.spec().toString());
        assertThat(start.exit()).as(start.stderr()).isZero();
    }

    @AfterAll
    static void removeTheVm() {
        LibvirtTestLab.remove(d);
    }

    private static void refusedInOneLine(Cli.Run r, String says) {
        assertThat(r.exit()).as(r.stderr()).isNotZero();
        assertThat(r.error()).contains(says).startsWith("bgreboot: ");
        assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** The serving VM after a refusal: the same definition, the same boot, nothing left over. */
    private record Untouched(String definition, String bootId, List<String> running) {
        static Untouched now() {
            return new Untouched(LibvirtTestLab.definition(uri, LibvirtTestLab.running(d).get(0)), LibvirtTestLab.identity(d).path("boot_id").asText(),
                    LibvirtTestLab.running(d));
        }
    }

    @Test
    void anUnknownDomain() {
        refusedInOneLine(Cli.run("reboot", "--connect", uri, "nosuchdomain"), "no domain or VM named 'nosuchdomain'");
        Path spec = writeSpec("ghost", "domain = \"ghost\"", "target = \"vdb\"");
        refusedInOneLine(Cli.run("vm", "status", "--connect", uri, spec.toString()), "no domain named ghost");
    }

    @Test
    void anUnreachableUri() {
        refusedInOneLine(Cli.run("reboot", "--connect", "qemu+unix:///system?socket=/nonexistent/libvirt-sock", d.vm()), "cannot reach libvirt at");
    }

    @Test
    void aDomainWithNoPersistentDiskNamed() {
        Path spec = writeSpec("nodisk", "domain = \"" + d.vm() + "\"", null);
        Untouched before = Untouched.now();
        refusedInOneLine(Cli.run("reboot", "--connect", uri, spec.toString()), "no persistent disk named");
        String bare = "bare-" + d.vm();
        LibvirtTestLab.define(uri, domainXml(bare, x -> x), false);
        try {
            refusedInOneLine(Cli.run("reboot", "--connect", uri, bare), "has no persistent disk named");
            Path wrong = writeSpec(bare, "domain = \"" + bare + "\"", "target = \"vdc\"");
            refusedInOneLine(Cli.run("reboot", "--connect", uri, wrong.toString()), "has no disk with target vdc");
        } finally {
            LibvirtTestLab.remove(bareDomain(bare));
        }
        assertThat(Untouched.now()).isEqualTo(before);
    }

    @Test
    void aDomainWithNoAgentChannelOrASilentAgent() {
        String noChannel = "nochan-" + d.vm();
        refusedOnADomain(noChannel, x -> x.replaceFirst("(?s)<channel type='unix'>.*?</channel>", ""), false, "has no guest-agent channel");
        String silent = "silent-" + d.vm();
        refusedOnADomain(silent, x -> x, true, "its guest agent does not answer");
    }

    @Test
    void aDomainWhoseSystemDiskCannotBeSnapshotted() {
        refusedOnADomain("blk-" + d.vm(), x -> x.replaceFirst("(?s)<disk type='file' device='disk'>\\s*<driver name='qemu' type='qcow2'/>\\s*<source file='[^']*'/>",
                "<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/bgrlv-no-such-device'/>"), false, "is a block device");
        refusedOnADomain("nbd-" + d.vm(), x -> x.replaceFirst("(?s)<disk type='file' device='disk'>\\s*<driver name='qemu' type='qcow2'/>\\s*<source file='[^']*'/>",
                "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='nbd' name='sys'><host name='127.0.0.1' port='10809'/></source>"),
                false, "is a network disk");
    }

    @Test
    void aDomainAlreadyBeingRebooted() throws Exception {
        Untouched before = Untouched.now();
        // another bgreboot on this machine holds the VM's lock: it waits at a pause point, then is stopped by SIGTERM and aborts
        Path log = Files.createTempFile(TestVms.home().home(), "lvbusy-", ".log");
        Process first = FaultIT.startCli(Map.of(FaultPoint.PAUSE_ENV, "before:prepare_clone"), log, "reboot", "--connect", uri, d.vm());
        try {
            TestVms.await("the first reboot to pause", java.time.Duration.ofMinutes(2), () -> {
                try {
                    return Files.readString(log).contains("paused at before:prepare_clone");
                } catch (IOException e) {
                    return false;
                }
            });
            refusedInOneLine(Cli.run("reboot", "--connect", uri, d.vm()), "is busy");
        } finally {
            first.destroy();
            first.waitFor(120, TimeUnit.SECONDS);
        }
        assertThat(Untouched.now()).isEqualTo(before);
        // a bgreboot elsewhere (another machine's state) left its clone running: this one sees the clone domain and refuses
        Cli.Run killed = Cli.run(Map.of(FaultPoint.ENV, "after:launch_clone"), "reboot", "--connect", uri, d.vm());
        assertThat(killed.exit()).isEqualTo(137);
        Path elsewhere = Files.createTempDirectory("bgreboot-elsewhere-");
        refusedInOneLine(Cli.run(Map.of("BGREBOOT_HOME", elsewhere.toString()), "reboot", "--connect", uri, d.vm()),
                "is already being rebooted: its clone domain " + d.vm() + "-g1 runs beside it");
        Cli.Run recovered = Cli.run("recover", "--connect", uri, d.vm());
        assertThat(recovered.exit()).as(recovered.stderr()).isEqualTo(3); // the reboot's outcome: aborted (rolled back)
        assertThat(Untouched.now()).isEqualTo(before);
    }

    @Test
    void libvirtRefusingHalfwayAbortsWithTheDomainUntouched() throws IOException {
        Path spec = d.spec();
        String good = Files.readString(spec);
        Untouched before = Untouched.now();
        List<String> files = files();
        try {
            TestVms.rewrite(spec, s -> s.replaceFirst("kernel = \"[^\"]*\"", "kernel = \"/nonexistent/vmlinuz\""));
            Cli.Run r = Cli.run("reboot", "--connect", uri, spec.toString());
            assertThat(r.exit()).isEqualTo(3);
            assertThat(r.error()).contains("aborted").contains("libvirt refused the clone domain " + d.vm() + "-g1");
        } finally {
            Files.writeString(spec, good);
        }
        assertThat(Untouched.now()).isEqualTo(before);
        assertThat(files()).isEqualTo(files);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private void refusedOnADomain(String name, java.util.function.UnaryOperator<String> edit, boolean startPaused, String says) {
        LibvirtTestLab.define(uri, domainXml(name, edit), startPaused);
        try {
            String defBefore = LibvirtTestLab.definition(uri, name);
            Path spec = writeSpec(name, "domain = \"" + name + "\"", "target = \"vdb\"");
            refusedInOneLine(Cli.run("reboot", "--connect", uri, spec.toString()), says);
            assertThat(LibvirtTestLab.definition(uri, name)).as("the domain's definition").isEqualTo(defBefore);
        } finally {
            LibvirtTestLab.remove(bareDomain(name));
        }
    }

    /** The demo domain's XML under another name, edited, with disks of its own (a fresh overlay, a copy of the pristine persistent disk). */
    private static String domainXml(String name, java.util.function.UnaryOperator<String> edit) {
        try {
            Path dir = TestVms.home().home().resolve("bad-domains");
            Files.createDirectories(dir);
            Path system = dir.resolve(name + ".qcow2");
            Path persistent = dir.resolve(name + "-persist.img");
            Files.deleteIfExists(system);
            Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                    TestVms.demoImage().systemDisk().toString(), system.toString()).inheritIO().start();
            assertThat(p.waitFor()).isZero();
            Files.copy(TestVms.demoImage().persistentDisk(), persistent, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            String xml = Files.readString(d.xml()).replace("<name>" + d.vm() + "</name>", "<name>" + name + "</name>")
                    .replace(d.systemImage().toString(), system.toString()).replace(d.persistent().toString(), persistent.toString())
                    .replaceFirst("<mac address='[^']*'/>", "<mac address='52:54:00:7e:00:" + String.format("%02x", Math.abs(name.hashCode()) % 256) + "'/>")
                    .replace(d.vm() + "-serial.log", name + "-serial.log");
            return edit.apply(xml);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static LibvirtLab.DemoDomain bareDomain(String name) {
        return new LibvirtLab.DemoDomain(name, d.host(), d.spec(), d.xml(), d.systemImage(), d.persistent(), d.image(), d.address());
    }

    private static Path writeSpec(String name, String libvirtLine, String persistentLine) {
        StringBuilder b = new StringBuilder("name = \"" + name + "\"\nengine = \"libvirt\"\n\n[libvirt]\n" + libvirtLine + "\n");
        if (persistentLine != null) {
            b.append("\n[persistent_disk]\n").append(persistentLine).append("\n");
        }
        b.append("\n[hooks]\nrelease = [\"/usr/sbin/bgreboot-release\"]\nattach = [\"/usr/sbin/bgreboot-attach\"]\n");
        b.append("\n[ready]\ntimeout = \"1m\"\ncommands = [ [\"/usr/sbin/bgreboot-ready\"] ]\n");
        try {
            Path p = TestVms.home().home().resolve("bad-specs").resolve(name + ".toml");
            Files.createDirectories(p.getParent());
            Files.writeString(p, b.toString(), StandardCharsets.UTF_8);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> files() throws IOException {
        try (var s = Files.list(d.systemImage().getParent())) {
            return new ArrayList<>(s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".log")).sorted().toList());
        }
    }
}
