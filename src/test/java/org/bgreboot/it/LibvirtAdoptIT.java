package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.bgreboot.experiment.LibvirtLab;
import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.ServiceWatch;
import org.bgreboot.report.MeasuredReboot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code bgreboot adopt}: a domain defined and started through libvirt's API, as 'virsh define' and
 * 'virsh start' do (bgreboot never made it, and no spec file of it exists anywhere), becomes a
 * VM after its definition and its guest pass the checks a reboot needs, and is then rebooted by
 * name alone. Every refusal is one line and leaves the domain as it was.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibvirtAdoptIT {
    private static LibvirtLab.DemoDomain d;
    private static String uri;

    @BeforeAll
    static void defineAndStartByHand() throws Exception {
        d = LibvirtTestLab.newDomain("adopt", 0);
        uri = d.host().uri();
        // the lab's own spec file says only where the test reaches the guest's service; bgreboot is never given it
        assertThat(TestVms.home().specs().resolve(d.vm() + ".toml")).doesNotExist();
        LibvirtTestLab.start(uri, d.vm());
        LibvirtTestLab.identity(d, Duration.ofMinutes(5)); // the guest and its service are up
    }

    @AfterAll
    static void removeTheDomain() {
        LibvirtTestLab.remove(d);
    }

    @Test
    @Order(1)
    void refusalsAreOneLineAndChangeNothing() throws Exception {
        String before = LibvirtTestLab.definition(uri, d.vm());
        refused(Cli.run("adopt", "--connect", uri, "nosuchdomain"), "no domain nosuchdomain on");
        refused(Cli.run("adopt", "--connect", uri, d.vm(), "--persistent-disk", "vdz"), "has no disk with target vdz");
        refused(Cli.run("adopt", "--connect", uri, d.vm(), "--name", "Not A Name"), "no VM name");
        refused(Cli.run("adopt", "--connect", uri), "give a DOMAIN to adopt, or --all");
        String xml = Files.readString(d.xml());

        // no agent channel: the guest could never be asked anything
        String noAgent = renamed(xml, "adopt-noagent").replaceAll("(?s)<channel type=.unix.>.*?</channel>", "");
        LibvirtTestLab.define(uri, noAgent, true);
        try {
            refused(Cli.run("adopt", "--connect", uri, "adopt-noagent"), "has no guest-agent channel");
        } finally {
            LibvirtTestLab.undefine(uri, "adopt-noagent");
        }
        // a host device: a clone cannot have it while the VM does (refused from the definition: such a domain does not start here)
        String hostdev = renamed(xml, "adopt-hostdev").replace("</devices>", "<hostdev mode='subsystem' type='pci' managed='no'><source>"
                + "<address domain='0x0000' bus='0x00' slot='0x1f' function='0x0'/></source></hostdev></devices>");
        LibvirtTestLab.define(uri, hostdev, false);
        try {
            refused(Cli.run("adopt", "--connect", uri, "adopt-hostdev"), "has a host device");
        } finally {
            LibvirtTestLab.undefine(uri, "adopt-hostdev");
        }
        // defined but not running: its guest cannot be checked
        LibvirtTestLab.define(uri, renamed(xml, "adopt-stopped"), false);
        try {
            refused(Cli.run("adopt", "--connect", uri, "adopt-stopped"), "is not running");
        } finally {
            LibvirtTestLab.undefine(uri, "adopt-stopped");
        }
        // transient: no persistent definition to boot the update from
        LibvirtTestLab.createTransient(uri, renamed(xml, "adopt-transient"));
        try {
            refused(Cli.run("adopt", "--connect", uri, "adopt-transient"), "is transient");
        } finally {
            LibvirtTestLab.destroy(uri, "adopt-transient");
        }
        assertThat(LibvirtTestLab.definition(uri, d.vm())).as("the refused domain's definition is unchanged").isEqualTo(before);
    }

    @Test
    @Order(2)
    void aDryRunPrintsTheSpecAndRecordsNothing() {
        Cli.Run dry = Cli.run("adopt", "--connect", uri, d.vm(), "--dry-run");
        assertThat(dry.exit()).as(dry.stderr()).isZero();
        assertThat(dry.stdout()).contains("name = \"" + d.vm() + "\"").contains("engine = \"libvirt\"").contains("target = \"vdb\"")
                .contains("ok   guest agent answers").doesNotContain("FIX");
        assertThat(LibvirtTestLab.definition(uri, d.vm())).as("a dry run records nothing").doesNotContain("urn:bgreboot:vm:1");
    }

    @Test
    @Order(3)
    void anAdoptedDomainIsRebootedByNameWithNoSpecFileAnywhere() throws IOException {
        Cli.Run adopted = Cli.run("adopt", "--connect", uri, d.vm());
        assertThat(adopted.exit()).as(adopted.stderr()).isZero();
        assertThat(adopted.stdout()).contains("adopted as VM " + d.vm());
        assertThat(LibvirtTestLab.definition(uri, d.vm())).as("the spec lives in the domain's metadata").contains("urn:bgreboot:vm:1")
                .contains("[persistent_disk]");
        refused(Cli.run("adopt", "--connect", uri, d.vm(), "--name", "other"), "is VM " + d.vm() + " already");

        Cli.Run status = Cli.run("vm", "status", "--connect", uri, d.vm());
        assertThat(status.exit()).as(status.stderr()).isZero();
        assertThat(status.stdout()).contains("serving       domain " + d.vm())
                .as("the demo guest boots a host kernel: nothing in its /boot, no flag").contains("needs reboot  no (runs ");
        assertThat(Cli.run("vm", "list", "--connect", uri).stdout()).containsPattern(d.vm() + "\\s+" + d.vm() + "\\s+running\\s+generation 0, serving; needs reboot: no");

        String bootBefore = LibvirtTestLab.identity(d).path("boot_id").asText();
        Path json = TestVms.home().home().resolve("adopted-reboot.json");
        // the test knows where clients reach the guest (the adopted spec need not: --measure would ask for [network] address)
        ServiceWatch.Seen seen;
        Cli.Run reboot;
        RunClock clock = RunClock.start();
        try (ServiceWatch watch = ServiceWatch.start(MeasuredReboot.serviceUri(LibvirtTestLab.spec(d)), clock)) {
            reboot = Cli.run("reboot", "--connect", uri, d.vm(), "--json", json.toString());
            seen = watch.stop();
        }
        assertThat(reboot.exit()).as(reboot.stderr()).isZero();
        JsonNode j = FaultIT.readJson(json);
        assertThat(j.path("outcome").asText()).isEqualTo("switched");
        assertThat(seen.ledger().missingAcked()).as("acknowledged writes lost").isEmpty();
        Headline.assertBounded(Downtime.analyze(seen.probes(), 0).downtimeMs(), seen.writes().maxAckGapMs(), j.path("switch_ms").asDouble());
        assertThat(LibvirtTestLab.identity(d).path("boot_id").asText()).as("a new boot serves").isNotEqualTo(bootBefore);
        assertThat(LibvirtTestLab.running(d)).containsExactly(d.vm() + "-g1");
        assertThat(TestVms.home().specs().resolve(d.vm() + ".toml")).as("still no spec file").doesNotExist();
    }

    /** The domain's XML under another name, on blank disks of its own (its guest never boots: it need not be a real one). */
    private static String renamed(String xml, String name) {
        Path dir = TestVms.home().home().resolve("adopt-variants").resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Path system = dir.resolve("system.qcow2");
        Path persistent = dir.resolve("persist.img");
        exec("qemu-img", "create", "-q", "-f", "qcow2", system.toString(), "64M");
        exec("qemu-img", "create", "-q", "-f", "raw", persistent.toString(), "16M");
        return xml.replace("<name>" + d.vm() + "</name>", "<name>" + name + "</name>")
                .replace(d.systemImage().toString(), system.toString())
                .replace(d.persistent().toString(), persistent.toString())
                .replaceAll("<source path='[^']*' append='on'/>", "<source path='" + dir.resolve("serial.log") + "' append='on'/>")
                .replaceAll("<mac address='[^']*'/>", "<mac address='52:54:00:7e:00:" + String.format("%02x", Math.abs(name.hashCode()) % 200) + "'/>");
    }

    private static void exec(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).inheritIO().start();
            assertThat(p.waitFor()).as(String.join(" ", argv)).isZero();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void refused(Cli.Run r, String says) {
        assertThat(r.exit()).as(r.stdout() + r.stderr()).isEqualTo(2);
        assertThat(r.error()).startsWith("bgreboot: ").contains(says);
        assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
