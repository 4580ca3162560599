package org.bgreboot.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bgreboot.UserError;

import org.bgreboot.spec.VmSpec;
/**
 * Reads and validates a VM spec. Every problem becomes a {@link UserError} of one line naming the
 * file, the key and what to write instead. Relative paths are taken relative to the spec file.
 */
public final class SpecLoader {
    /** Names become directory names and QEMU ids: no '/', '..', spaces or shell metacharacters. */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final Pattern SERIAL = Pattern.compile("[A-Za-z0-9_-]{1,20}");
    private static final long MIN_MEMORY = 64L << 20;
    private static final Set<String> MACHINES = Set.of("q35", "pc");
    private static final Set<String> DISK_FORMATS = Set.of("raw", "qcow2");

    private static final TomlMapper MAPPER = TomlMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // cpus = 2.5 is a mistake, not 2
            .build();

    private static final java.util.regex.Pattern IFNAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final java.util.regex.Pattern NETNS = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final long hostMemoryBytes;
    private final Optional<Path> stateRoot;

    /** @param stateRoot where VMs' state lives ({@code BGREBOOT_HOME/vms}): no spec may point into it */
    public SpecLoader(long hostMemoryBytes, Optional<Path> stateRoot) {
        this.hostMemoryBytes = hostMemoryBytes;
        this.stateRoot = stateRoot.map(r -> r.toAbsolutePath().normalize());
    }

    public SpecLoader(long hostMemoryBytes) {
        this(hostMemoryBytes, Optional.empty());
    }

    public static SpecLoader forThisHost() {
        return new SpecLoader(HostInfo.memoryBytes(), Optional.empty());
    }

    public static SpecLoader forThisHost(Path stateRoot) {
        return new SpecLoader(HostInfo.memoryBytes(), Optional.of(stateRoot));
    }

    public VmSpec load(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        String text;
        try {
            text = Files.readString(abs);
        } catch (NoSuchFileException e) {
            throw new UserError("spec " + file + " does not exist: give the path of a VM spec (.toml) or the name of one in the specs directory");
        } catch (IOException e) {
            throw new UserError("cannot read spec " + file + ": " + e.getMessage());
        }
        return parse(abs, file.toString(), text);
    }

    /**
     * A spec kept elsewhere than in a file (a libvirt domain's metadata): {@code origin} names it in
     * messages. Such a spec must use absolute paths.
     */
    public VmSpec loadText(String text, Path origin) {
        return parse(origin.toAbsolutePath().normalize(), origin.toString(), text);
    }

    private VmSpec parse(Path abs, String file, String text) {
        SpecFile raw;
        try {
            raw = MAPPER.readValue(text, SpecFile.class);
        } catch (UnrecognizedPropertyException e) {
            String where = e.getPath().size() > 1 ? " in " + section(e) : "";
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new UserError("spec " + file + ": unknown key '" + e.getPropertyName() + "'" + where + "; known keys there: " + known);
        } catch (MismatchedInputException e) {
            throw new UserError("spec " + file + ": key '" + pathOf(e) + "' has the wrong type: " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new UserError("spec " + file + " is not valid TOML: " + firstLine(e.getOriginalMessage())
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (raw == null || text.isBlank()) {
            throw new UserError("spec " + file + " is empty: it needs at least name, memory, [[system_disk]] and [persistent_disk]");
        }
        Validator v = new Validator(abs, raw);
        return libvirt(raw) ? v.validateLibvirt(text) : v.validate();
    }

    /** A spec names a libvirt domain when it says engine = "libvirt" or has a [libvirt] section. */
    private static boolean libvirt(SpecFile raw) {
        return "libvirt".equals(raw.engine()) || (raw.engine() == null && raw.libvirt() != null);
    }

    /** qcow2 images start with "QFI\xfb". */
    static boolean isQcow2(Path p) {
        try (var in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' && (magic[3] & 0xff) == 0xfb;
        } catch (IOException e) {
            return false;
        }
    }

    private static String section(JsonMappingException e) {
        String head = e.getPath().get(0).getFieldName();
        return head == null ? "the spec" : SpecFile.SECTIONS.getOrDefault(head, "[" + head + "]");
    }

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** Checks one parsed spec; kept apart so each check reads as one line. */
    private final class Validator {
        private final Path file;
        private final Path dir;
        private final SpecFile raw;

        Validator(Path file, SpecFile raw) {
            this.file = file;
            this.dir = file.getParent();
            this.raw = raw;
        }

        VmSpec validate() {
            if (raw.engine() != null && !raw.engine().equals("embedded")) {
                fail("engine = \"" + shown(raw.engine()) + "\" is unknown: use \"embedded\" (bgreboot runs QEMU itself, the default) or \"libvirt\"");
            }
            if (raw.libvirt() != null) {
                fail("[libvirt] applies to engine = \"libvirt\" only");
            }
            String name = require(raw.name(), "name", "name = \"myvm\"");
            if (!NAME.matcher(name).matches()) {
                fail("name '" + shown(name) + "' is not allowed: use 1-32 lowercase letters, digits, '-' or '_' (no '/', '..', spaces or shell characters)");
            }
            ByteSize memory = memory();
            int cpus = raw.cpus() == null ? 1 : raw.cpus();
            if (cpus < 1 || cpus > Runtime.getRuntime().availableProcessors() * 4L) {
                fail("cpus = " + cpus + " is impossible: use 1 to " + Runtime.getRuntime().availableProcessors() * 4);
            }
            String machine = raw.machine() == null ? "q35" : raw.machine();
            if (!MACHINES.contains(machine)) {
                fail("machine '" + machine + "' is not supported: use q35 (default) or pc");
            }
            List<Path> systemDisks = systemDisks();
            VmSpec.PersistentDisk persistent = persistentDisk(systemDisks);
            VmSpec.Network network = network();
            Optional<VmSpec.KernelBoot> boot = raw.boot() == null ? Optional.empty()
                    : Optional.of(kernelBoot("boot", raw.boot().kernel(), raw.boot().initrd(), raw.boot().cmdline()));
            VmSpec.Hooks hooks = hooks();
            VmSpec.Readiness ready = readiness();
            Optional<VmSpec.Update> update = update(boot.isPresent());
            return new VmSpec(file, name, memory, cpus, machine, systemDisks, persistent, network, boot, hooks, ready, update, switchPolicy(),
                    Optional.empty());
        }

        /**
         * A spec that names a libvirt domain: the domain's XML gives memory, CPUs, disks, network and
         * boot, so the spec must not; it names the persistent disk by target or serial, and gives the
         * hooks, readiness and update as any spec. Its paths are paths on the libvirt host.
         */
        VmSpec validateLibvirt(String text) {
            String name = require(raw.name(), "name", "name = \"myvm\"");
            if (!NAME.matcher(name).matches()) {
                fail("name '" + shown(name) + "' is not allowed: use 1-32 lowercase letters, digits, '-' or '_' (no '/', '..', spaces or shell characters)");
            }
            for (String[] k : new String[][] {{raw.memory() == null ? null : "memory", "<memory>"}, {raw.cpus() == null ? null : "cpus", "<vcpu>"},
                    {raw.machine() == null ? null : "machine", "<os><type machine=...>"},
                    {raw.systemDisk() == null ? null : "[[system_disk]]", "<disk> elements"}, {raw.boot() == null ? null : "[boot]", "<os><kernel>"}}) {
                if (k[0] != null) {
                    fail(k[0] + " does not belong in a libvirt spec: the domain's XML (" + k[1] + ") says it; remove it");
                }
            }
            SpecFile.Lv lv = raw.libvirt();
            String domain = lv == null || lv.domain() == null ? name : lv.domain();
            if (domain.isBlank() || domain.length() > 200 || domain.chars().anyMatch(c -> Character.isISOControl(c) || c == '/')) {
                fail("libvirt.domain '" + shown(domain) + "' is not a domain name");
            }
            Optional<String> connect = lv == null || lv.connect() == null ? Optional.empty() : Optional.of(lv.connect());
            if (connect.isPresent() && !connect.get().matches("[a-z][a-z0-9+.-]*:/[^\\s]*")) {
                fail("libvirt.connect '" + shown(connect.get()) + "' is not a libvirt URI like qemu:///system or qemu+ssh://host/system");
            }
            String announce = lv == null || lv.announce() == null ? "monitor" : lv.announce();
            if (!announce.equals("monitor") && !announce.equals("none")) {
                fail("libvirt.announce = \"" + shown(announce) + "\" is unknown: use \"monitor\" (QEMU's announce-self at the switch; libvirt marks the "
                        + "domain tainted) or \"none\" (the clone's own frames teach the bridge)");
            }
            SpecFile.Persistent p = raw.persistentDisk();
            if (p == null || (p.target() == null && p.serial() == null)) {
                fail("no persistent disk named: add [persistent_disk] with target = \"vdb\" (or serial = \"...\"): which of the domain's disks "
                        + "holds the user data is never guessed");
            }
            if (p.path() != null || p.format() != null) {
                fail("persistent_disk.path and .format do not belong in a libvirt spec: name the domain's disk by target or serial");
            }
            if (p.target() != null && p.serial() != null) {
                fail("persistent_disk: give target or serial, not both");
            }
            if (p.target() != null && !p.target().matches("[a-z]{1,4}[a-z0-9]{0,6}")) {
                fail("persistent_disk.target '" + shown(p.target()) + "' is not a disk target like vdb or sdb");
            }
            if (p.serial() != null && !SERIAL.matcher(p.serial()).matches()) {
                fail("persistent_disk.serial '" + shown(p.serial()) + "' is not allowed: use up to 20 letters, digits, '-' or '_'");
            }
            VmSpec.PersistentDiskRef ref = new VmSpec.PersistentDiskRef(p.target() == null ? "" : p.target(), p.serial() == null ? "" : p.serial());
            VmSpec.Network network = libvirtNetwork();
            VmSpec.Hooks hooks = hooks();
            VmSpec.Readiness ready = readiness();
            Optional<VmSpec.Update> update = libvirtUpdate();
            VmSpec.SwitchPolicy policy = switchPolicy();
            if (raw.switchPolicy() != null && raw.switchPolicy().disk() != null && policy.disk() != VmSpec.SwitchPolicy.DiskHandover.HOTPLUG) {
                fail("switch.disk = \"" + shown(raw.switchPolicy().disk()) + "\": the libvirt engine hands the persistent disk over by hot-plug "
                        + "only (a swap would change a disk behind libvirt's back); use \"hotplug\" or leave it out");
            }
            policy = new VmSpec.SwitchPolicy(policy.release(), VmSpec.SwitchPolicy.DiskHandover.HOTPLUG);
            // placeholders until the engine reads the domain: the VM's memory, disks and boot are the domain's
            VmSpec.PersistentDisk unresolved = new VmSpec.PersistentDisk(Path.of("/"), "raw", ref.serial());
            return new VmSpec(file, name, ByteSize.ofMiB(MIN_MEMORY >> 20), 1, "q35", List.of(), unresolved, network, Optional.empty(),
                    hooks, ready, update, policy, Optional.of(new VmSpec.LibvirtDomain(connect, domain, ref, text, announce.equals("monitor"))));
        }

        /** Only what the domain's XML cannot say: where its clients reach its service. */
        private VmSpec.Network libvirtNetwork() {
            SpecFile.Net n = raw.network();
            if (n == null) {
                return new VmSpec.Network(VmSpec.Network.Mode.BRIDGE, "", List.of(), "", "", "", "", 80);
            }
            for (String key : new String[] {n.mode() == null ? null : "mode", n.mac() == null ? null : "mac", n.bridge() == null ? null : "bridge",
                    n.netns() == null ? null : "netns", n.forwards() == null ? null : "forwards"}) {
                if (key != null) {
                    fail("network." + key + " does not belong in a libvirt spec: the domain's <interface> says it; "
                            + "give only address, client_netns and service_port (where clients reach the VM)");
                }
            }
            String address = n.address() == null ? "" : n.address();
            if (!address.isEmpty() && !ipv4(address)) {
                fail("network.address '" + shown(address) + "' must be the VM's IPv4 address, like 10.77.0.10");
            }
            String clientNetns = n.clientNetns() == null ? "" : n.clientNetns();
            if (!clientNetns.isEmpty() && !NETNS.matcher(clientNetns).matches()) {
                fail("network namespace '" + shown(clientNetns) + "' is not a name of /run/netns (letters, digits, '-', '_', '.')");
            }
            int servicePort = n.servicePort() == null ? 80 : port("network.service_port", n.servicePort());
            return new VmSpec.Network(VmSpec.Network.Mode.BRIDGE, "", List.of(), "", "", address, clientNetns, servicePort);
        }

        /** The update kernel is a file on the libvirt host: an absolute path, not looked for here. */
        private Optional<VmSpec.Update> libvirtUpdate() {
            SpecFile.Upd u = raw.update();
            if (u == null) {
                return Optional.empty();
            }
            List<String> install = u.install() == null ? List.of() : argv("update.install", u.install());
            Optional<VmSpec.KernelBoot> boot = Optional.empty();
            if (u.kernel() != null) {
                Path k = hostPath("update.kernel", u.kernel());
                Path i = u.initrd() == null ? null : hostPath("update.initrd", u.initrd());
                boot = Optional.of(new VmSpec.KernelBoot(k, i, u.cmdline()));
            } else if (u.initrd() != null || u.cmdline() != null) {
                fail("update.initrd and update.cmdline need update.kernel");
            }
            List<String> kexec = u.kexec() == null ? List.of() : argv("update.kexec", u.kexec());
            return Optional.of(new VmSpec.Update(install, boot, kexec));
        }

        private Path hostPath(String key, String value) {
            if (value.isBlank() || !value.startsWith("/") || value.chars().anyMatch(Character::isISOControl)) {
                fail(key + " '" + shown(value) + "' must be an absolute path on the libvirt host");
            }
            return Path.of(value).normalize();
        }

        private VmSpec.SwitchPolicy switchPolicy() {
            SpecFile.Sw sw = raw.switchPolicy();
            if (sw == null) {
                return VmSpec.SwitchPolicy.DEFAULT;
            }
            VmSpec.SwitchPolicy.Release release = sw.release() == null ? VmSpec.SwitchPolicy.DEFAULT.release()
                    : choice("switch.release", sw.release(), VmSpec.SwitchPolicy.Release.class);
            VmSpec.SwitchPolicy.DiskHandover disk = sw.disk() == null ? VmSpec.SwitchPolicy.DEFAULT.disk()
                    : choice("switch.disk", sw.disk(), VmSpec.SwitchPolicy.DiskHandover.class);
            if (release == VmSpec.SwitchPolicy.Release.HOOK && (raw.hooks() == null || raw.hooks().release() == null)) {
                fail("switch.release = \"hook\" needs a release hook: add release = [...] to [hooks], or use \"freeze\"");
            }
            return new VmSpec.SwitchPolicy(release, disk);
        }

        private <E extends Enum<E>> E choice(String key, String text, Class<E> type) {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(text)) {
                    return e;
                }
            }
            fail(key + " = \"" + shown(text) + "\" is unknown: use " + java.util.Arrays.stream(type.getEnumConstants())
                    .map(e -> "\"" + e.name().toLowerCase(java.util.Locale.ROOT) + "\"").collect(Collectors.joining(" or ")));
            return null;
        }

        private ByteSize memory() {
            String text = require(raw.memory(), "memory", "memory = \"512M\"");
            ByteSize size;
            try {
                size = ByteSize.parse(text);
            } catch (IllegalArgumentException e) {
                throw fail("memory " + e.getMessage());
            }
            if (size.bytes() < MIN_MEMORY || size.bytes() > hostMemoryBytes) {
                fail("memory = \"" + text + "\" is impossible on this host: use between 64M and " + ByteSize.ofMiB(hostMemoryBytes >> 20));
            }
            return size;
        }

        private List<Path> systemDisks() {
            if (raw.systemDisk() == null || raw.systemDisk().isEmpty()) {
                fail("no system disk: add a [[system_disk]] table with path = \"system.qcow2\"");
            }
            List<Path> disks = new ArrayList<>();
            for (SpecFile.Disk d : raw.systemDisk()) {
                Path p = existingFile("system_disk.path", d == null ? null : d.path());
                if (!p.toString().endsWith(".qcow2")) {
                    fail("system_disk " + p + " must be a qcow2 image (it is cloned by a qcow2 snapshot): convert it with qemu-img convert -O qcow2");
                }
                disks.add(p);
            }
            if (new HashSet<>(disks).size() != disks.size()) {
                fail("the same system disk is listed twice");
            }
            return List.copyOf(disks);
        }

        private VmSpec.PersistentDisk persistentDisk(List<Path> systemDisks) {
            SpecFile.Persistent p = raw.persistentDisk();
            if (p == null) {
                fail("no persistent disk: add [persistent_disk] with path and serial (user data must live on a disk that is handed over, not cloned)");
            }
            if (p.target() != null) {
                fail("persistent_disk.target names a libvirt domain's disk: this spec runs on the embedded engine; give path and serial");
            }
            Path path = existingFile("persistent_disk.path", p.path());
            if (systemDisks.contains(path)) {
                fail("persistent_disk.path is also a system disk: the persistent disk must be a disk of its own");
            }
            String format = p.format() == null ? "raw" : p.format();
            if (!DISK_FORMATS.contains(format)) {
                fail("persistent_disk.format '" + format + "' is not supported: use raw or qcow2");
            }
            boolean qcow2 = isQcow2(path);
            if (qcow2 != format.equals("qcow2")) {
                fail("persistent_disk.format is " + format + " but " + path + (qcow2 ? " is a qcow2 image: set format = \"qcow2\""
                        : " is not a qcow2 image: set format = \"raw\""));
            }
            String serial = require(p.serial(), "persistent_disk.serial", "serial = \"bgpersist\"");
            if (!SERIAL.matcher(serial).matches()) {
                fail("persistent_disk.serial '" + serial + "' is not allowed: use up to 20 letters, digits, '-' or '_'");
            }
            return new VmSpec.PersistentDisk(path, format, serial);
        }

        private VmSpec.Network network() {
            SpecFile.Net n = raw.network();
            if (n == null) {
                return VmSpec.Network.user(defaultMac(), List.of());
            }
            String mac = n.mac() == null ? defaultMac() : n.mac().toLowerCase(java.util.Locale.ROOT);
            if (!MAC.matcher(mac).matches()) {
                fail("network.mac '" + shown(n.mac()) + "' is not a MAC address: write it like 52:54:00:12:34:56");
            }
            if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0 || mac.equals("00:00:00:00:00:00")) {
                fail("network.mac " + mac + " is a multicast or all-zero address, which no NIC may have: use one like 52:54:00:12:34:56");
            }
            String mode = n.mode() == null ? "user" : n.mode();
            if (mode.equals("bridge")) {
                return bridged(n, mac);
            }
            if (!mode.equals("user")) {
                fail("network.mode = \"" + shown(mode) + "\" is unknown: use \"user\" (port forwards) or \"bridge\" (the VM's own address on a bridge)");
            }
            for (String key : new String[] {n.bridge() == null ? null : "bridge", n.netns() == null ? null : "netns", n.address() == null ? null : "address",
                    n.clientNetns() == null ? null : "client_netns"}) {
                if (key != null) {
                    fail("network." + key + " applies to mode = \"bridge\" only");
                }
            }
            List<VmSpec.PortForward> forwards = new ArrayList<>();
            Set<Integer> hostPorts = new HashSet<>();
            for (SpecFile.Forward f : n.forwards() == null ? List.<SpecFile.Forward>of() : n.forwards()) {
                int host = port("network.forwards.host_port", f.hostPort());
                int guest = port("network.forwards.guest_port", f.guestPort());
                String addr = f.hostAddress() == null ? "127.0.0.1" : f.hostAddress();
                if (!ipv4(addr)) {
                    fail("network.forwards.host_address '" + addr + "' must be an IPv4 address like 127.0.0.1");
                }
                if (!hostPorts.add(host)) {
                    fail("host port " + host + " is forwarded twice");
                }
                forwards.add(new VmSpec.PortForward(addr, host, guest));
            }
            return VmSpec.Network.user(mac, List.copyOf(forwards));
        }

        /** Bridge mode: the bridge (and the namespace it lives in), the VM's own address, where clients are. */
        private VmSpec.Network bridged(SpecFile.Net n, String mac) {
            if (n.forwards() != null && !n.forwards().isEmpty()) {
                fail("network.forwards apply to mode = \"user\" only: a bridged VM is reached at its own address");
            }
            String bridge = require(n.bridge(), "network.bridge", "bridge = \"br0\"");
            if (!IFNAME.matcher(bridge).matches()) {
                fail("network.bridge '" + shown(bridge) + "' is not an interface name (1-15 letters, digits, '-', '_', '.')");
            }
            String netns = n.netns() == null ? "" : n.netns();
            String clientNetns = n.clientNetns() == null ? "" : n.clientNetns();
            for (String ns : List.of(netns, clientNetns)) {
                if (!ns.isEmpty() && !NETNS.matcher(ns).matches()) {
                    fail("network namespace '" + shown(ns) + "' is not a name of /run/netns (letters, digits, '-', '_', '.')");
                }
            }
            String address = require(n.address(), "network.address", "address = \"10.77.0.10\"");
            if (!ipv4(address)) {
                fail("network.address '" + shown(address) + "' must be the VM's IPv4 address, like 10.77.0.10");
            }
            int servicePort = n.servicePort() == null ? 80 : port("network.service_port", n.servicePort());
            return new VmSpec.Network(VmSpec.Network.Mode.BRIDGE, mac, List.of(), bridge, netns, address, clientNetns, servicePort);
        }

        private static boolean ipv4(String addr) {
            String[] parts = addr.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String part : parts) {
                if (!part.matches("\\d{1,3}") || Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }

        private String defaultMac() {
            int h = raw.name() == null ? 0 : raw.name().hashCode();
            return String.format("52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
        }

        private int port(String key, Integer value) {
            if (value == null || value < 1 || value > 65535) {
                fail(key + " = " + value + " is not a port: use 1-65535");
            }
            return value;
        }

        private VmSpec.KernelBoot kernelBoot(String section, String kernel, String initrd, String cmdline) {
            Path k = existingFile(section + ".kernel", kernel);
            Path i = initrd == null ? null : existingFile(section + ".initrd", initrd);
            return new VmSpec.KernelBoot(k, i, cmdline == null ? "console=ttyS0" : cmdline);
        }

        private VmSpec.Hooks hooks() {
            SpecFile.HookSet h = raw.hooks();
            List<String> release = h == null || h.release() == null ? List.of() : argv("hooks.release", h.release());
            List<String> attach = h == null || h.attach() == null ? List.of() : argv("hooks.attach", h.attach());
            Duration timeout = h == null || h.timeout() == null ? VmSpec.Hooks.DEFAULT_TIMEOUT : duration("hooks.timeout", h.timeout());
            return new VmSpec.Hooks(release, attach, timeout);
        }

        private VmSpec.Readiness readiness() {
            SpecFile.Ready r = raw.ready();
            if (r == null) {
                return new VmSpec.Readiness(Duration.ofMinutes(5), true, List.of(), Optional.empty(), Optional.empty());
            }
            Duration timeout = r.timeout() == null ? Duration.ofMinutes(5) : duration("ready.timeout", r.timeout());
            List<List<String>> commands = new ArrayList<>();
            for (List<String> c : r.commands() == null ? List.<List<String>>of() : r.commands()) {
                commands.add(argv("ready.commands", c));
            }
            if (r.service() != null && !r.service().matches("https?://[^\\s'\"`;|&$]+")) {
                fail("ready.service '" + r.service() + "' must be an http:// URL as seen inside the guest, like http://127.0.0.1/");
            }
            return new VmSpec.Readiness(timeout, r.agent() == null || r.agent(), List.copyOf(commands),
                    Optional.ofNullable(r.serial()), Optional.ofNullable(r.service()));
        }

        private Optional<VmSpec.Update> update(boolean direct) {
            SpecFile.Upd u = raw.update();
            if (u == null) {
                return Optional.empty();
            }
            List<String> install = u.install() == null ? List.of() : argv("update.install", u.install());
            Optional<VmSpec.KernelBoot> boot = Optional.empty();
            if (u.kernel() != null) {
                if (!direct) {
                    fail("update.kernel is set but the VM boots from disk: drop update.kernel (the updated disk chooses the kernel) or add [boot]");
                }
                String cmdline = u.cmdline() != null ? u.cmdline() : raw.boot().cmdline();
                boot = Optional.of(kernelBoot("update", u.kernel(), u.initrd(), cmdline));
            }
            List<String> kexec = u.kexec() == null ? List.of() : argv("update.kexec", u.kexec());
            return Optional.of(new VmSpec.Update(install, boot, kexec));
        }

        private Duration duration(String key, String text) {
            var m = Pattern.compile("(\\d{1,6})\\s*(ms|s|m|min)?").matcher(text.trim());
            if (!m.matches()) {
                fail(key + " '" + text + "' is not a duration: write it like 90s or 5m");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
            if (d.isZero()) {
                fail(key + " must be longer than 0");
            }
            return d;
        }

        private List<String> argv(String key, List<String> argv) {
            if (argv.isEmpty() || argv.get(0) == null || argv.get(0).isBlank()) {
                fail(key + " must be a non-empty argv array, like [\"/usr/sbin/bgreboot-release\"]");
            }
            if (!argv.get(0).startsWith("/") && argv.get(0).contains("/")) {
                fail(key + " program '" + argv.get(0) + "' must be an absolute path or a bare command name");
            }
            return List.copyOf(argv);
        }

        private Path existingFile(String key, String value) {
            if (value == null || value.isBlank()) {
                fail(key + " is missing");
            }
            Path p = dir.resolve(value).normalize();
            if (stateRoot.isPresent() && p.startsWith(stateRoot.get())) {
                fail(key + " " + p + " is inside bgreboot's state directory " + stateRoot.get()
                        + ": files there belong to the VMs bgreboot runs; copy the image elsewhere");
            }
            if (Files.isDirectory(p)) {
                fail(key + " " + p + " is a directory: give the path of an image file");
            }
            if (!Files.isRegularFile(p)) {
                fail(key + " " + p + " does not exist: build or copy the image there, or fix the path");
            }
            if (!Files.isReadable(p)) {
                fail(key + " " + p + " is not readable by this user");
            }
            return p;
        }

        private String require(String value, String key, String example) {
            if (value == null || value.isBlank()) {
                fail(key + " is missing: add " + example);
            }
            return value;
        }

        /** A value as it may appear in a one-line message: control characters escaped, long ones cut. */
        private static String shown(String value) {
            StringBuilder b = new StringBuilder();
            value.codePoints().limit(40).forEach(c -> b.append(Character.isISOControl(c) ? String.format("\\x%02x", c) : Character.toString(c)));
            return value.length() > 40 ? b + "..." : b.toString();
        }

        private UserError fail(String message) {
            throw new UserError("spec " + file + ": " + message);
        }
    }
}
