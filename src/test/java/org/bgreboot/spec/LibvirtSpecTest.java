package org.bgreboot.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgreboot.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Specs that name a libvirt domain: what they must say, what they must not, one line per mistake. */
class LibvirtSpecTest {
    @TempDir Path dir;

    private static final String GOOD = """
            name = "web"
            engine = "libvirt"

            [libvirt]
            connect = "qemu+ssh://root@host1/system"
            domain = "web-domain"

            [persistent_disk]
            target = "vdb"

            [network]
            address = "10.77.0.10"
            client_netns = "bgrn-x-cl"

            [hooks]
            release = ["/usr/sbin/bgreboot-release"]

            [update]
            install = ["/usr/sbin/bgreboot-update", "v2"]
            kernel = "/images/v2/vmlinuz"
            """;

    private VmSpec load(String text) throws IOException {
        Path f = dir.resolve("web.toml");
        Files.writeString(f, text);
        return new SpecLoader(8L << 30).load(f);
    }

    @Test
    void aLibvirtSpecNamesTheDomainAndItsPersistentDisk() throws IOException {
        VmSpec s = load(GOOD);
        assertThat(s.engine()).isEqualTo("libvirt");
        VmSpec.LibvirtDomain lv = s.libvirt().orElseThrow();
        assertThat(lv.connect()).contains("qemu+ssh://root@host1/system");
        assertThat(lv.domain()).isEqualTo("web-domain");
        assertThat(lv.persistentDisk().matches("vdb", "anything")).isTrue();
        assertThat(lv.persistentDisk().matches("vdc", "anything")).isFalse();
        assertThat(lv.announce()).isTrue();
        assertThat(lv.specText()).isEqualTo(GOOD);
        assertThat(s.network().address()).isEqualTo("10.77.0.10");
        assertThat(s.network().bridged()).isTrue();
        assertThat(s.switchPolicy().disk()).isEqualTo(VmSpec.SwitchPolicy.DiskHandover.HOTPLUG);
        assertThat(s.update().orElseThrow().boot().orElseThrow().cmdline()).as("the domain's own command line is kept").isNull();
    }

    @Test
    void aSpecWithALibvirtSectionIsALibvirtSpecAndTheDomainDefaultsToItsName() throws IOException {
        VmSpec s = load("name = \"web\"\n[libvirt]\n[persistent_disk]\nserial = \"home\"\n");
        assertThat(s.libvirt().orElseThrow().domain()).isEqualTo("web");
        assertThat(s.libvirt().orElseThrow().persistentDisk().matches("vdz", "home")).isTrue();
        assertThat(s.libvirt().orElseThrow().connect()).isEmpty();
    }

    @Test
    void whatTheDomainSaysDoesNotBelongInTheSpec() {
        assertRefused(GOOD.replace("engine = \"libvirt\"", "engine = \"libvirt\"\nmemory = \"1G\""), "memory does not belong in a libvirt spec");
        assertRefused(GOOD + "\n[[system_disk]]\npath = \"x.qcow2\"\n", "[[system_disk]] does not belong in a libvirt spec");
        assertRefused(GOOD.replace("[network]", "[network]\nbridge = \"br0\""), "network.bridge does not belong in a libvirt spec");
        assertRefused(GOOD.replace("target = \"vdb\"", "target = \"vdb\"\npath = \"/x.img\""), "do not belong in a libvirt spec");
    }

    @Test
    void thePersistentDiskIsNamedNeverGuessed() {
        assertRefused(GOOD.replace("[persistent_disk]\ntarget = \"vdb\"\n", ""), "no persistent disk named");
        assertRefused(GOOD.replace("target = \"vdb\"", "target = \"vdb\"\nserial = \"x\""), "give target or serial, not both");
        assertRefused(GOOD.replace("target = \"vdb\"", "target = \"../x\""), "is not a disk target");
    }

    @Test
    void badLibvirtValuesAreOneLineEach() {
        assertRefused(GOOD.replace("qemu+ssh://root@host1/system", "not a uri"), "is not a libvirt URI");
        assertRefused(GOOD.replace("domain = \"web-domain\"", "domain = \"a/b\""), "is not a domain name");
        assertRefused(GOOD.replace("domain = \"web-domain\"", "domain = \"web-domain\"\nannounce = \"loud\""), "libvirt.announce = \"loud\" is unknown");
        assertRefused(GOOD.replace("/images/v2/vmlinuz", "images/v2/vmlinuz"), "must be an absolute path on the libvirt host");
        assertRefused(GOOD + "\n[switch]\ndisk = \"swap\"\n", "by hot-plug only");
        assertRefused(GOOD.replace("engine = \"libvirt\"", "engine = \"xen\""), "engine = \"xen\" is unknown");
    }

    @Test
    void anEmbeddedSpecTakesNoLibvirtKeys() {
        assertRefused("name = \"x\"\nengine = \"embedded\"\n[libvirt]\ndomain = \"x\"\n", "[libvirt] applies to engine = \"libvirt\" only");
    }

    private void assertRefused(String text, String says) {
        assertThatThrownBy(() -> load(text)).isInstanceOf(UserError.class).hasMessageContaining(says)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
