package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.engine.libvirt.LibvirtVm;
import org.bgreboot.experiment.LibvirtLab;
import org.bgreboot.reboot.Journal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.bgreboot.output.Schemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Background reboots of a libvirt domain bgreboot did not create, through the CLI as a user runs
 * it against a real libvirtd: the update serves with nothing lost, exactly one domain runs for the
 * VM and every command says which; a second reboot keeps the chain short; a cold boot of the
 * VM's persistent definition boots the update with its writes; a panicking update is aborted with
 * the domain untouched; and the same through a second libvirtd reached over qemu+tcp.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibvirtRebootIT {
    private static LibvirtLab.DemoDomain d;
    private static String uri;
    private static String newKernel;

    @BeforeAll
    static void defineTheDomain() {
        d = LibvirtTestLab.newDomain("lvreboot", 0);
        uri = d.host().uri();
        newKernel = TestVms.demoImage().last().kernelRelease();
    }

    @AfterAll
    static void removeTheDomain() {
        LibvirtTestLab.remove(d);
    }

    @Test
    @Order(1)
    void vmStartBootsTheDomainAndEveryCommandSaysWhichDomainIsTheVm() {
        Cli.Run start = Cli.run("vm", "start", "--connect", uri, d.spec().toString());
        assertThat(start.exit()).as(start.stderr()).isZero();
        Cli.Run status = Cli.run("vm", "status", "--connect", uri, d.vm());
        assertThat(status.exit()).as(status.stderr()).isZero();
        assertThat(status.stdout()).contains("engine        libvirt").contains("serving       domain " + d.vm()).contains("generation    0 (serving)");
        Cli.Run list = Cli.run("vm", "list", "--connect", uri);
        assertThat(list.stdout()).containsPattern(d.vm() + "\\s+" + d.vm() + "\\s+running\\s+generation 0, serving");
    }

    @Test
    @Order(2)
    void aBackgroundRebootServesTheUpdateWithNothingLostAndOneDomainRunsAfterwards() throws IOException, InterruptedException {
        Path json = TestVms.home().home().resolve("lvreboot.json");
        Cli.Run r;
        try (OpenFileWatch open = new OpenFileWatch(d.persistent())) {
            r = Cli.run("reboot", "--connect", uri, d.vm(), "--measure", "--json", json.toString());
            assertThat(open.maxSimultaneous()).as("QEMU processes with the persistent disk open at once").isEqualTo(1);
        }
        assertThat(r.exit()).as(r.stderr()).isZero();
        JsonNode j = Schemas.assertValidFile("reboot", json);
        assertThat(j.path("engine").asText()).isEqualTo("libvirt");
        assertThat(j.path("outcome").asText()).isEqualTo("switched");
        assertThat(j.path("acked_writes").asInt()).isPositive();
        assertThat(j.path("acked_writes_lost").asInt()).isZero();
        assertThat(j.path("version_after").asText()).isEqualTo("v2");
        assertThat(j.path("kernel_after").asText()).isEqualTo(newKernel);
        assertThat(j.path("fg_stopped_after_bg_ready").asBoolean()).isTrue();
        assertThat(j.path("outcome").asText()).isEqualTo("switched");
        Headline.assertBounded(j.path("downtime_ms").asDouble(), j.path("write_gap_ms").asDouble(), j.path("switch_ms").asDouble());
        assertThat(LibvirtTestLab.running(d)).containsExactly(d.vm() + "-g1");
        Cli.Run status = Cli.run("vm", "status", "--connect", uri, d.vm());
        assertThat(status.stdout()).contains("serving       domain " + d.vm() + "-g1").contains("generation    1 (serving)")
                .contains("definition    persistent").doesNotContain("also running");
        Cli.Run list = Cli.run("vm", "list", "--connect", uri);
        assertThat(list.stdout()).containsPattern(d.vm() + "\\s+" + d.vm() + "-g1\\s+running\\s+generation 1, serving");
        assertThat(list.stdout()).doesNotContainPattern("\\s" + d.vm() + "\\s+shut off"); // the old definition is gone
    }

    @Test
    @Order(3)
    void aSecondRebootKeepsTheChainShortAndLeavesNothingBehind() throws IOException {
        Path json = TestVms.home().home().resolve("lvreboot2.json");
        Cli.Run r = Cli.run("reboot", "--connect", uri, d.vm(), "--json", json.toString());
        assertThat(r.exit()).as(r.stderr()).isZero();
        JsonNode j = Schemas.assertValidFile("reboot", json);
        assertThat(j.path("generation").asInt()).isEqualTo(2);
        assertThat(j.path("chain_depth").asInt()).as("new layer over the VM's image over the guest image").isEqualTo(3);
        assertThat(LibvirtTestLab.running(d)).containsExactly(d.vm() + "-g2");
        assertThat(Files.exists(d.systemImage().resolveSibling(d.vm() + "-g1-vda.qcow2"))).as("the old generation's layer").isFalse();
        try (LibvirtEngine e = LibvirtTestLab.engine(uri)) {
            LibvirtVm vm = LibvirtTestLab.vm(e, d);
            assertThat(vm.inspection().leftovers()).isEmpty();
            assertThat(Journal.active(vm.stateDir())).isEmpty();
        }
        assertThat(LibvirtTestLab.domainsOf(d)).hasSize(1);
    }

    @Test
    @Order(4)
    void aColdBootOfThePersistentDefinitionBootsTheUpdateAndSeesTheWrites() throws IOException {
        String ledgerBefore = LibvirtTestLab.ledger(d);
        assertThat(ledgerBefore).isNotBlank();
        Cli.Run stop = Cli.run("vm", "stop", "--connect", uri, d.vm());
        assertThat(stop.exit()).as(stop.stderr()).isZero();
        assertThat(LibvirtTestLab.running(d)).isEmpty();
        Cli.Run start = Cli.run("vm", "start", "--connect", uri, d.vm());
        assertThat(start.exit()).as(start.stderr()).isZero();
        JsonNode id = LibvirtTestLab.identity(d);
        assertThat(id.path("kernel").asText()).isEqualTo(newKernel);
        assertThat(id.path("version").asText()).isEqualTo("v2");
        assertThat(LibvirtTestLab.ledger(d)).isEqualTo(ledgerBefore);
        assertThat(LibvirtTestLab.running(d)).containsExactly(d.vm() + "-g2");
    }

    @Test
    @Order(5)
    void aPanickingUpdateIsAbortedAndTheDomainIsUntouched() throws IOException {
        Path spec = d.spec();
        String good = Files.readString(spec);
        JsonNode before = LibvirtTestLab.identity(d);
        List<String> filesBefore = files();
        try {
            TestVms.rewrite(spec, s -> s.replaceFirst("(initrd = \"[^\"]*v2/initrd.img\")", "$1\ncmdline = \"console=ttyS0 quiet panic=-1 bgreboot.panic=1\""));
            Cli.Run r = Cli.run("reboot", "--connect", uri, spec.toString());
            assertThat(r.exit()).isEqualTo(3);
            assertThat(r.error()).contains("aborted").contains("panicked");
        } finally {
            Files.writeString(spec, good);
        }
        JsonNode after = LibvirtTestLab.identity(d);
        assertThat(after.path("boot_id").asText()).as("the same boot serves").isEqualTo(before.path("boot_id").asText());
        assertThat(LibvirtTestLab.running(d)).containsExactly(d.vm() + "-g2");
        assertThat(files()).as("the VM's files: the same layers, nothing left").isEqualTo(filesBefore);
        try (LibvirtEngine e = LibvirtTestLab.engine(uri)) {
            LibvirtVm vm = LibvirtTestLab.vm(e, d);
            assertThat(vm.inspection().chainDepth()).isEqualTo(3);
            assertThat(vm.inspection().leftovers()).isEmpty();
            assertThat(Journal.active(vm.stateDir())).isEmpty();
        }
    }

    @Test
    @Order(6)
    void aRebootThroughASecondLibvirtdReachedOverTcp() throws IOException {
        LibvirtLab.DemoDomain remote = LibvirtTestLab.newDomain("lvtcp", 1);
        String tcp = remote.host().tcpUri().orElseThrow();
        assertThat(tcp).startsWith("qemu+tcp://");
        try {
            Cli.Run start = Cli.run("vm", "start", "--connect", tcp, remote.spec().toString());
            assertThat(start.exit()).as(start.stderr()).isZero();
            Path json = TestVms.home().home().resolve("lvtcp.json");
            Cli.Run r = Cli.run("reboot", "--connect", tcp, remote.vm(), "--measure", "--json", json.toString());
            assertThat(r.exit()).as(r.stderr()).isZero();
            JsonNode j = Schemas.assertValidFile("reboot", json);
            assertThat(j.path("acked_writes_lost").asInt()).isZero();
            assertThat(j.path("kernel_after").asText()).isEqualTo(newKernel);
            assertThat(LibvirtTestLab.running(remote)).containsExactly(remote.vm() + "-g1");
            Cli.Run list = Cli.run("vm", "list", "--connect", tcp);
            assertThat(list.stdout()).contains(tcp).containsPattern(remote.vm() + "\\s+" + remote.vm() + "-g1\\s+running");
        } finally {
            LibvirtTestLab.remove(remote);
        }
    }

    private static List<String> files() throws IOException {
        try (var s = Files.list(d.systemImage().getParent())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".log")).sorted().toList();
        }
    }
}
