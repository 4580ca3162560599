package org.bgreboot.engine.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.VmState;
import org.junit.jupiter.api.Test;

/** A generation's XML from the VM's definition: only what a generation changes, and a clone kept apart. */
class GenerationXmlTest {
    private static final String DEFINITION = """
            <domain type='qemu'>
              <name>web</name>
              <uuid>0b5f4d9e-1111-2222-3333-444455556666</uuid>
              <genid>aaaaaaaa-1111-2222-3333-444455556666</genid>
              <metadata><other:x xmlns:other='urn:someone:else'>kept</other:x></metadata>
              <memory unit='MiB'>512</memory>
              <vcpu>2</vcpu>
              <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><kernel>/k/v1</kernel><initrd>/k/v1.img</initrd><cmdline>console=ttyS0</cmdline></os>
              <features><acpi/></features>
              <on_reboot>restart</on_reboot>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/img/web.img'/><target dev='vda' bus='virtio'/></disk>
                <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/img/home.img'/><target dev='vdb' bus='virtio'/><serial>home</serial>
                  <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>
                <disk type='file' device='cdrom'><source file='/img/cd.iso'/><target dev='sda' bus='sata'/><readonly/></disk>
                <interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet7'/></interface>
                <serial type='file'><source path='/logs/web-serial.log'/><target port='0'/></serial>
                <console type='file'><source path='/logs/web-serial.log'/><target type='serial' port='0'/></console>
                <channel type='unix'><source mode='bind' path='/run/x.sock'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
                <graphics type='vnc' port='5901' autoport='no'/>
              </devices>
            </domain>
            """;

    private final DomainDisks disks = new DomainDisks(new VmSpec.PersistentDiskRef("vdb", ""));

    private static VmState state(int gen, String layer, String kernel) {
        return new VmState(gen, List.of(Path.of(layer)), Optional.of(new VmSpec.KernelBoot(Path.of(kernel), null, null)),
                new VmSpec.PersistentDisk(Path.of("/img/home.img"), "raw", "home"));
    }

    @Test
    void aNewGenerationChangesNameLayersKernelAndMetadataOnly() {
        DomainXml def = DomainXml.parse(DEFINITION);
        VmMetadata md = new VmMetadata("web", 3, VmMetadata.SERVING, "name = \"web\"");
        DomainXml x = GenerationXml.of(def, disks, "web-g3", Optional.empty(), Optional.empty(), state(3, "/img/web-g3-vda.qcow2", "/k/v2"), md);
        assertThat(x.name()).isEqualTo("web-g3");
        assertThat(x.uuid()).as("a new UUID from libvirt").isEmpty();
        assertThat(x.genid()).as("a new generation id from libvirt").isEmpty();
        DomainXml.Disk vda = disks.system(x).get(0);
        assertThat(vda.source()).isEqualTo("/img/web-g3-vda.qcow2");
        assertThat(vda.format()).isEqualTo("qcow2");
        assertThat(disks.persistent(x).orElseThrow().source()).isEqualTo("/img/home.img");
        assertThat(x.kernel()).contains("/k/v2");
        assertThat(x.initrd()).as("the update has none").isEmpty();
        assertThat(x.cmdline()).as("the domain's own command line").contains("console=ttyS0");
        assertThat(x.metadata()).contains(md);
        assertThat(x.print()).contains("urn:someone:else").contains("kept");
        assertThat(x.vcpus()).isEqualTo(2);
    }

    @Test
    void aCloneIsKeptApartFromTheVmUntilTheSwitch() {
        DomainXml def = DomainXml.parse(DEFINITION);
        DomainXml x = GenerationXml.of(def, disks, "web-g4", Optional.empty(), Optional.empty(), state(4, "/img/web-g4-vda.qcow2", "/k/v2"),
                new VmMetadata("web", 4, VmMetadata.CLONE, ""));
        GenerationXml.clone(x, disks, Optional.of(Path.of("/logs/web-g4-serial.log")), new CpuPlacement(4), true, nic -> true);
        assertThat(disks.persistent(x)).as("no persistent disk").isEmpty();
        assertThat(x.disks()).extracting(DomainXml.Disk::target).containsExactly("vda", "sda");
        String xml = x.print();
        assertThat(xml).contains("<link state=\"down\"/>").doesNotContain("vnet7");
        org.w3c.dom.Element nic = x.devices("interface").get(0);
        assertThat(nic.getAttribute("type")).as("on the holding network, off the VM's bridge").isEqualTo("network");
        assertThat(DomainXml.child(nic, "source").orElseThrow().getAttribute("network")).isEqualTo(HoldingNetwork.NAME);
        assertThat(DomainXml.children(nic, "source")).hasSize(1);
        assertThat(DomainXml.child(nic, "mac").orElseThrow().getAttribute("address")).isEqualTo("52:54:00:00:00:01");
        assertThat(HoldingNetwork.holds(nic)).isTrue();
        assertThat(x.serialLog()).contains("/logs/web-g4-serial.log");
        assertThat(x.devices("console")).isEmpty();
        assertThat(DomainXml.children(x.agentChannel().orElseThrow(), "source")).as("libvirt makes its own socket").isEmpty();
        assertThat(xml).contains("autoport=\"yes\"").doesNotContain("5901");
        assertThat(DomainXml.text(x.root(), "on_reboot")).contains("destroy");
        assertThat(DomainXml.text(x.root(), "on_crash")).contains("destroy");
        assertThat(xml).contains("<shares>2</shares>").contains("cpuset=\"2-3\"");
    }

    @Test
    void aCloneWhoseInterfaceCannotBeMovedStaysOnTheVmsBridgeWithItsLinkDown() {
        DomainXml x = GenerationXml.of(DomainXml.parse(DEFINITION), disks, "web-g4", Optional.empty(), Optional.empty(),
                state(4, "/img/web-g4-vda.qcow2", "/k/v2"), new VmMetadata("web", 4, VmMetadata.CLONE, ""));
        GenerationXml.clone(x, disks, Optional.empty(), new CpuPlacement(4), false, nic -> false);
        org.w3c.dom.Element nic = x.devices("interface").get(0);
        assertThat(nic.getAttribute("type")).isEqualTo("bridge");
        assertThat(DomainXml.child(nic, "source").orElseThrow().getAttribute("bridge")).isEqualTo("br0");
        assertThat(DomainXml.child(nic, "link").orElseThrow().getAttribute("state")).isEqualTo("down");
        assertThat(HoldingNetwork.holds(nic)).isFalse();
    }

    @Test
    void theClonesCpusAreTheLastOnesNeverTheFirst() {
        assertThat(new CpuPlacement(2).lastCpus(1)).isEqualTo("1");
        assertThat(new CpuPlacement(2).lastCpus(4)).isEqualTo("1");
        assertThat(new CpuPlacement(8).lastCpus(2)).isEqualTo("6-7");
        assertThat(new CpuPlacement(1).lastCpus(1)).isEqualTo("0");
        assertThat(new CpuPlacement(2).lastMap(1)).containsExactly(0b10);
        assertThat(new CpuPlacement(10).allMap()).containsExactly(0xff, 0b11);
    }

    @Test
    void metadataSurvivesItsRoundTripWithOrWithoutItsPrefix() {
        VmMetadata m = new VmMetadata("web", 7, VmMetadata.CLONE, "a = \"<b> & 'c'\"\n");
        assertThat(VmMetadata.parse(m.toXml())).contains(m);
        assertThat(VmMetadata.parse(m.toPlainXml())).contains(m);
        assertThat(VmMetadata.parse("<x/>")).isEmpty();
    }

    @Test
    void onlyFilesOfTheVmsGenerationsAreEverDeleted() {
        Generations g = new Generations("web", "web-domain");
        assertThat(g.domain(0)).isEqualTo("web-domain");
        assertThat(g.domain(3)).isEqualTo("web-g3");
        assertThat(g.ours("web-g3-vda.qcow2")).isTrue();
        assertThat(g.ours("web-g3-vda-scratch.qcow2")).isTrue();
        assertThat(g.ours("web-g3-rehearsal.img")).isTrue();
        assertThat(g.ours("web.qcow2")).as("the user's image").isFalse();
        assertThat(g.ours("webx-g3-vda.qcow2")).isFalse();
        assertThat(g.isGeneration("web-g12")).isTrue();
        assertThat(g.isGeneration("web-domain")).isTrue();
        assertThat(g.isGeneration("other")).isFalse();
    }
}
