package org.bgreboot.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bgreboot.UserError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.bgreboot.spec.VmSpec;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.ByteSize;
/**
 * Spec validation: every mistake is one line that names the spec file, the key and what to write
 * instead. Images only need to exist here (the loader does not open them).
 */
class SpecLoaderTest {
    private static final long HOST_MEMORY = 8L << 30;

    @TempDir Path dir;
    private Path spec;
    private final SpecLoader loader = new SpecLoader(HOST_MEMORY);

    /** A complete spec like the one bgreboot writes for the demo guest, with relative paths. */
    private static final String GOOD = """
            name = "web-1"
            memory = "512M"
            cpus = 1
            machine = "q35"

            [[system_disk]]
            path = "system.qcow2"

            [persistent_disk]
            path = "data/persist.img"
            format = "raw"
            serial = "bgpersist"

            [network]
            forwards = [ { host_port = 18080, guest_port = 80 } ]

            [boot]
            kernel = "v1/vmlinuz"
            initrd = "v1/initrd.img"
            cmdline = "console=ttyS0 quiet"

            [hooks]
            release = ["/usr/sbin/bgreboot-release"]
            attach = ["/usr/sbin/bgreboot-attach"]

            [ready]
            timeout = "10m"
            agent = true
            serial = "bgreboot-guest: service up"
            commands = [ ["/usr/sbin/bgreboot-ready"] ]
            service = "http://127.0.0.1/"

            [update]
            install = ["/usr/sbin/bgreboot-update", "v2"]
            kernel = "v2/vmlinuz"
            initrd = "v2/initrd.img"
            """;

    @BeforeEach
    void images() throws IOException {
        for (String f : List.of("system.qcow2", "data/persist.img", "v1/vmlinuz", "v1/initrd.img", "v2/vmlinuz", "v2/initrd.img")) {
            Path p = dir.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, f);
        }
        spec = dir.resolve("web-1.toml");
    }

    // ---- a good spec ----------------------------------------------------------------------------

    @Test
    void aGoodSpecLoadsWithPathsRelativeToItsFile() {
        VmSpec s = load(GOOD);
        assertThat(s.name()).isEqualTo("web-1");
        assertThat(s.memory()).isEqualTo(ByteSize.ofMiB(512));
        assertThat(s.systemDisks()).containsExactly(dir.resolve("system.qcow2"));
        assertThat(s.persistentDisk()).isEqualTo(new VmSpec.PersistentDisk(dir.resolve("data/persist.img"), "raw", "bgpersist"));
        assertThat(s.network().forwards()).containsExactly(new VmSpec.PortForward("127.0.0.1", 18080, 80));
        assertThat(s.boot().orElseThrow().kernel()).isEqualTo(dir.resolve("v1/vmlinuz"));
        assertThat(s.ready().timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.update().orElseThrow().boot().orElseThrow().cmdline()).as("the update boots with [boot]'s cmdline").isEqualTo("console=ttyS0 quiet");
        assertThat(s.hooks().release()).containsExactly("/usr/sbin/bgreboot-release");
    }

    @Test
    void defaultsFillWhatIsLeftOut() {
        VmSpec s = load("""
                name = "min"
                memory = "256M"
                [[system_disk]]
                path = "system.qcow2"
                [persistent_disk]
                path = "data/persist.img"
                serial = "s1"
                """);
        assertThat(s.cpus()).isEqualTo(1);
        assertThat(s.machine()).isEqualTo("q35");
        assertThat(s.persistentDisk().format()).isEqualTo("raw");
        assertThat(s.ready().timeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.ready().agent()).isTrue();
        assertThat(s.network().mac()).matches("52:54:00(:[0-9a-f]{2}){3}");
        assertThat(load(GOOD.replace("name = \"web-1\"", "name = \"min\"")).network().mac()).as("the MAC is stable per name").isEqualTo(s.network().mac());
        assertThat(s.boot()).isEmpty();
        assertThat(s.update()).isEmpty();
    }

    // ---- malformed -------------------------------------------------------------------------------

    @Test
    void aMissingFile() {
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.toml"))).isInstanceOf(UserError.class)
                .hasMessageContaining("nope.toml does not exist");
    }

    @Test
    void anEmptyFile() {
        fails("", "is empty: it needs at least name, memory");
    }

    @Test
    void notToml() {
        fails("name = \"web-1\nmemory = [[[", "is not valid TOML");
    }

    @Test
    void anUnknownTopLevelKeyListsTheKnownOnes() {
        String m = fails(GOOD.replace("cpus = 1", "cpus = 1\ncolour = \"red\""), "unknown key 'colour'");
        assertThat(m).contains("known keys there: ").contains("memory").contains("system_disk");
    }

    @Test
    void anUnknownKeyInATableNamesTheTable() {
        String m = fails(GOOD.replace("agent = true", "agent = true\ntimout = \"1m\""), "unknown key 'timout' in [ready]");
        assertThat(m).contains("timeout");
        fails(GOOD.replace("format = \"raw\"", "format = \"raw\"\nsize = \"1G\""), "unknown key 'size' in [persistent_disk]");
    }

    @Test
    void aValueOfTheWrongType() {
        fails(GOOD.replace("cpus = 1", "cpus = \"two\""), "key 'cpus' has the wrong type");
        fails(GOOD.replace("agent = true", "agent = \"yes\""), "key 'ready.agent' has the wrong type");
    }

    /** A hook given as one shell string instead of an argv array is refused: guest commands are argv arrays only. */
    @Test
    void aHookAsAShellStringIsRefused() {
        fails(GOOD.replace("release = [\"/usr/sbin/bgreboot-release\"]", "release = \"/usr/sbin/bgreboot-release; rm -rf /home\""),
                "key 'hooks.release' has the wrong type");
        fails(GOOD.replace("commands = [ [\"/usr/sbin/bgreboot-ready\"] ]", "commands = [ \"/usr/sbin/bgreboot-ready && true\" ]"),
                "has the wrong type");
    }

    @Test
    void anEmptyOrRelativeProgramInAnArgv() {
        fails(GOOD.replace("release = [\"/usr/sbin/bgreboot-release\"]", "release = []"), "hooks.release must be a non-empty argv array");
        fails(GOOD.replace("attach = [\"/usr/sbin/bgreboot-attach\"]", "attach = [\"\"]"), "hooks.attach must be a non-empty argv array");
        fails(GOOD.replace("install = [\"/usr/sbin/bgreboot-update\", \"v2\"]", "install = [\"sbin/bgreboot-update\"]"),
                "update.install program 'sbin/bgreboot-update' must be an absolute path or a bare command name");
    }

    @Test
    void missingRequiredKeys() {
        fails(GOOD.replace("name = \"web-1\"\n", ""), "name is missing: add name = \"myvm\"");
        fails(GOOD.replace("memory = \"512M\"\n", ""), "memory is missing: add memory = \"512M\"");
        fails(GOOD.replace("[[system_disk]]\npath = \"system.qcow2\"\n", ""), "no system disk: add a [[system_disk]] table");
        fails(GOOD.replace("serial = \"bgpersist\"\n", ""), "persistent_disk.serial is missing");
        String noPersistent = GOOD.replace("[persistent_disk]\npath = \"data/persist.img\"\nformat = \"raw\"\nserial = \"bgpersist\"\n", "");
        fails(noPersistent, "no persistent disk: add [persistent_disk]");
    }

    // ---- hostile names -------------------------------------------------------------------------------

    @ParameterizedTest(name = "name \"{0}\"")
    @ValueSource(strings = {"a/b", "..", "../escape", "/abs", "my vm", "$(touch x)", "`id`", "x;id", "a|b", "a&b", "a'b", "a\\\"b",
        "Upper", "-dash-first", "_under", "a.b", "tab\\tname", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void aNameThatIsNotASafeIdentifierIsRefused(String name) {
        fails(GOOD.replace("name = \"web-1\"", "name = \"" + name + "\""), "is not allowed: use 1-32 lowercase letters, digits, '-' or '_'");
    }

    @Test
    void aNameWithANewlineIsRefusedInOneLine() {
        String m = fails(GOOD.replace("name = \"web-1\"", "name = \"new\\nline\""), "is not allowed");
        assertThat(m).contains("new\\x0aline");
    }

    @ParameterizedTest(name = "name \"{0}\"")
    @ValueSource(strings = {"a", "web-1", "db_2", "0vm", "abcdefghijklmnopqrstuvwxyz012345"})
    void aSafeNameIsAccepted(String name) {
        assertThat(load(GOOD.replace("name = \"web-1\"", "name = \"" + name + "\"")).name()).isEqualTo(name);
    }

    // ---- impossible sizes and numbers -------------------------------------------------------------

    @ParameterizedTest(name = "memory \"{0}\"")
    @ValueSource(strings = {"-512M", "0M", "63M", "9G", "64T", "lots", "512MB!", "99999999999G", ""})
    void anImpossibleMemorySize(String memory) {
        fails(GOOD.replace("memory = \"512M\"", "memory = \"" + memory + "\""), "memory");
    }

    @ParameterizedTest(name = "cpus = {0}")
    @ValueSource(ints = {0, -2, 100000})
    void anImpossibleCpuCount(int cpus) {
        fails(GOOD.replace("cpus = 1", "cpus = " + cpus), "cpus = " + cpus + " is impossible");
    }

    @ParameterizedTest(name = "timeout \"{0}\"")
    @ValueSource(strings = {"-10s", "soon", "1h", "10 minutes", "1234567s"})
    void aTimeoutThatIsNotADuration(String timeout) {
        fails(GOOD.replace("timeout = \"10m\"", "timeout = \"" + timeout + "\""), "ready.timeout '" + timeout + "' is not a duration");
    }

    @Test
    void aZeroTimeout() {
        fails(GOOD.replace("timeout = \"10m\"", "timeout = \"0s\""), "ready.timeout must be longer than 0");
    }

    @ParameterizedTest(name = "host_port = {0}")
    @ValueSource(ints = {-1, 0, 65536})
    void aPortOutOfRange(int port) {
        fails(GOOD.replace("host_port = 18080", "host_port = " + port), "network.forwards.host_port = " + port + " is not a port");
    }

    @Test
    void aHostPortForwardedTwice() {
        fails(GOOD.replace("forwards = [ { host_port = 18080, guest_port = 80 } ]",
                "forwards = [ { host_port = 18080, guest_port = 80 }, { host_port = 18080, guest_port = 22 } ]"), "host port 18080 is forwarded twice");
    }

    @Test
    void aForwardWithoutPorts() {
        fails(GOOD.replace("{ host_port = 18080, guest_port = 80 }", "{ guest_port = 80 }"), "network.forwards.host_port = null is not a port");
    }

    @ParameterizedTest(name = "host_address \"{0}\"")
    @ValueSource(strings = {"localhost", "::1", "127.0.0.1;id", "1.2"})
    void aHostAddressThatIsNotIpv4(String address) {
        fails(GOOD.replace("host_port = 18080,", "host_port = 18080, host_address = \"" + address + "\","), "must be an IPv4 address");
    }

    @ParameterizedTest(name = "host_address \"{0}\"")
    @ValueSource(strings = {".......", "999.1.1.1", "1.2.3.4.5"})
    void aHostAddressThatOnlyLooksLikeIpv4(String address) {
        fails(GOOD.replace("host_port = 18080,", "host_port = 18080, host_address = \"" + address + "\","), "must be an IPv4 address");
    }

    @ParameterizedTest(name = "mac \"{0}\"")
    @ValueSource(strings = {"52:54:00:12:34", "52-54-00-12-34-56", "zz:54:00:12:34:56", "52:54:00:12:34:56:78"})
    void aMacThatIsNotOne(String mac) {
        fails(GOOD.replace("[network]", "[network]\nmac = \"" + mac + "\""), "network.mac '" + mac + "' is not a MAC address");
    }

    @Test
    void aMacIsTakenInLowerCase() {
        assertThat(load(GOOD.replace("[network]", "[network]\nmac = \"52:54:00:AB:CD:EF\"")).network().mac()).isEqualTo("52:54:00:ab:cd:ef");
    }

    @Test
    void anUnsupportedMachineOrFormat() {
        fails(GOOD.replace("machine = \"q35\"", "machine = \"virt\""), "machine 'virt' is not supported: use q35 (default) or pc");
        fails(GOOD.replace("format = \"raw\"", "format = \"vmdk\""), "persistent_disk.format 'vmdk' is not supported: use raw or qcow2");
    }

    @ParameterizedTest(name = "serial \"{0}\"")
    @ValueSource(strings = {"has space", "semi;colon", "abcdefghijklmnopqrstu", "quo'te"})
    void aSerialThatIsNotAllowed(String serial) {
        fails(GOOD.replace("serial = \"bgpersist\"", "serial = \"" + serial + "\""), "persistent_disk.serial '" + serial + "' is not allowed");
    }

    @ParameterizedTest(name = "service \"{0}\"")
    @ValueSource(strings = {"127.0.0.1", "ftp://x/", "http://x/;reboot", "http://x/$(id)", "http://a b/"})
    void aServiceUrlThatIsNotAPlainHttpUrl(String url) {
        fails(GOOD.replace("service = \"http://127.0.0.1/\"", "service = \"" + url + "\""), "ready.service");
    }

    // ---- paths -------------------------------------------------------------------------------------

    @Test
    void missingImagesNameTheKeyAndThePath() {
        fails(GOOD.replace("path = \"system.qcow2\"", "path = \"gone.qcow2\""), "system_disk.path " + dir.resolve("gone.qcow2") + " does not exist");
        fails(GOOD.replace("data/persist.img", "data/gone.img"), "persistent_disk.path " + dir.resolve("data/gone.img") + " does not exist");
        fails(GOOD.replace("kernel = \"v1/vmlinuz\"", "kernel = \"v1/gone\""), "boot.kernel " + dir.resolve("v1/gone") + " does not exist");
        fails(GOOD.replace("initrd = \"v1/initrd.img\"", "initrd = \"v1/gone\""), "boot.initrd " + dir.resolve("v1/gone") + " does not exist");
        fails(GOOD.replace("kernel = \"v2/vmlinuz\"", "kernel = \"v2/gone\""), "update.kernel " + dir.resolve("v2/gone") + " does not exist");
        fails(GOOD.replace("initrd = \"v2/initrd.img\"", "initrd = \"v2/gone\""), "update.initrd " + dir.resolve("v2/gone") + " does not exist");
    }

    @Test
    void aRelativePathCannotClimbToAFileThatIsNotThere() {
        fails(GOOD.replace("path = \"system.qcow2\"", "path = \"../../../../nonexistent/system.qcow2\""), "does not exist");
    }

    @Test
    void aSystemDiskThatIsNotQcow2ByName() throws IOException {
        Files.writeString(dir.resolve("system.img"), "raw");
        fails(GOOD.replace("path = \"system.qcow2\"", "path = \"system.img\""), "must be a qcow2 image");
    }

    @Test
    void theSameSystemDiskTwice() {
        fails(GOOD.replace("[[system_disk]]\npath = \"system.qcow2\"\n", "[[system_disk]]\npath = \"system.qcow2\"\n[[system_disk]]\npath = \"./system.qcow2\"\n"),
                "the same system disk is listed twice");
    }

    @Test
    void aPersistentDiskThatIsASystemDisk() {
        fails(GOOD.replace("path = \"data/persist.img\"", "path = \"system.qcow2\""), "persistent_disk.path is also a system disk");
    }

    @Test
    void aPersistentDiskThatIsADirectory() {
        String m = fails(GOOD.replace("path = \"data/persist.img\"", "path = \"data\""), "persistent_disk.path " + dir.resolve("data"));
        assertThat(m).doesNotContain("Exception");
    }

    /**
     * Mode bits stop no one when the tests run as root, so the image is a file that nobody may read:
     * a write-only file of /proc/sys, whose permission check the kernel applies to root as well.
     */
    @Test
    void anImageThatIsNotReadable() {
        Path writeOnly = java.util.stream.Stream.of("/proc/sys/net/ipv4/route/flush", "/proc/sys/vm/compact_memory").map(Path::of)
                .filter(Files::isRegularFile).findFirst().orElseThrow(() -> new AssertionError("no write-only file in /proc/sys"));
        assertThat(Files.isReadable(writeOnly)).as(writeOnly + " is unreadable even for root").isFalse();
        fails(GOOD.replace("path = \"system.qcow2\"", "path = \"" + writeOnly + "\""), "system_disk.path " + writeOnly + " is not readable by this user");
    }

    @Test
    void aSpecThatIsADirectoryCannotBeRead() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("folder.toml"));
        assertThatThrownBy(() -> loader.load(folder)).isInstanceOf(UserError.class)
                .hasMessage("cannot read spec " + folder + ": Is a directory");
    }

    @Test
    void anEntryThatIsNotATableOrAnArgvIsOneLineNotACrash() {
        fails(GOOD.replace("forwards = [ { host_port = 18080, guest_port = 80 } ]", "forwards = [ \"\" ]"),
                "network.forwards must be tables like { host_port = 18080, guest_port = 80 }");
        fails(GOOD.replace("commands = [ [\"/usr/sbin/bgreboot-ready\"] ]", "commands = [ \"\" ]"), "ready.commands must be a non-empty argv array");
    }

    @Test
    void anUpdateKernelWithoutDirectBoot() {
        String noBoot = GOOD.replace("[boot]\nkernel = \"v1/vmlinuz\"\ninitrd = \"v1/initrd.img\"\ncmdline = \"console=ttyS0 quiet\"\n", "");
        fails(noBoot, "update.kernel is set but the VM boots from disk");
    }

    /** A direct-kernel-boot guest that installs its own kernels: the update names the guest's files, fetched at the clone point. */
    @Test
    void anUpdateMayNameTheGuestsOwnKernel() {
        String guestKernel = GOOD.replace("kernel = \"v2/vmlinuz\"\ninitrd = \"v2/initrd.img\"\n",
                "guest_kernel = \"/boot/vmlinuz\"\nguest_initrd = \"/boot/initrd.img\"\n");
        VmSpec s = load(guestKernel);
        assertThat(s.update().orElseThrow().fromGuest()).contains(new VmSpec.GuestKernel("/boot/vmlinuz", "/boot/initrd.img"));
        assertThat(s.update().orElseThrow().boot()).isEmpty();
        fails(guestKernel.replace("guest_kernel = \"/boot/vmlinuz\"", "guest_kernel = \"boot/vmlinuz\""),
                "update.guest_kernel 'boot/vmlinuz' must be an absolute path in the guest");
        fails(guestKernel.replace("guest_kernel = \"/boot/vmlinuz\"\n", ""), "update.guest_initrd needs update.guest_kernel");
        fails(GOOD.replace("initrd = \"v2/initrd.img\"\n", "initrd = \"v2/initrd.img\"\nguest_kernel = \"/boot/vmlinuz\"\n"),
                "update.kernel and update.guest_kernel both name the update's kernel");
        fails(guestKernel.replace("[boot]\nkernel = \"v1/vmlinuz\"\ninitrd = \"v1/initrd.img\"\ncmdline = \"console=ttyS0 quiet\"\n", ""),
                "update.guest_kernel is set but the VM boots from disk");
    }

    @Test
    void aRawPersistentDiskThatIsAQcow2Image() throws IOException {
        Files.write(dir.resolve("data/persist.img"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        fails(GOOD, "persistent_disk.format is raw but " + dir.resolve("data/persist.img") + " is a qcow2 image");
    }

    @Test
    void aQcow2PersistentDiskThatIsNot() {
        fails(GOOD.replace("format = \"raw\"", "format = \"qcow2\""), "is not a qcow2 image: set format = \"raw\"");
    }

    /** bgreboot writes only under its home and only files it made: no spec path may point into VMs' state. */
    @Test
    void pathsInsideBgrebootsStateAreRefused() throws IOException {
        Path state = dir.resolve("home/vms");
        Path overlay = state.resolve("other/disks/sys0-g0.qcow2");
        Files.createDirectories(overlay.getParent());
        Files.writeString(overlay, "an overlay of another VM");
        SpecLoader rooted = new SpecLoader(HOST_MEMORY, java.util.Optional.of(state));
        write(GOOD.replace("path = \"data/persist.img\"", "path = \"" + overlay + "\"").replace("format = \"raw\"", "format = \"qcow2\""));
        assertThatThrownBy(() -> rooted.load(spec)).isInstanceOf(UserError.class)
                .hasMessageContaining("persistent_disk.path " + overlay + " is inside bgreboot's state directory " + state);
        write(GOOD.replace("path = \"system.qcow2\"", "path = \"home/vms/other/disks/sys0-g0.qcow2\""));
        assertThatThrownBy(() -> rooted.load(spec)).isInstanceOf(UserError.class)
                .hasMessageContaining("system_disk.path " + overlay + " is inside bgreboot's state directory");
        write(GOOD);
        assertThat(rooted.load(spec).name()).as("a spec outside the state directory").isEqualTo("web-1");
    }

    // ---- helpers -------------------------------------------------------------------------------

    private VmSpec load(String text) {
        write(text);
        return loader.load(spec);
    }

    /** Loads, expects a one-line UserError naming the spec file and containing {@code text}; returns the message. */
    private String fails(String text, String expected) {
        write(text);
        try {
            loader.load(spec);
        } catch (UserError e) {
            assertThat(e.getMessage()).startsWith("spec " + spec).contains(expected);
            assertThat(e.getMessage().lines().count()).as("one line: " + e.getMessage()).isEqualTo(1);
            return e.getMessage();
        }
        throw new AssertionError("accepted a bad spec, expected an error containing: " + expected);
    }

    private void write(String text) {
        try {
            Files.writeString(spec, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
