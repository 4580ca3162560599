package org.bgreboot.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a VM is: read from its spec file by {@link SpecLoader}, validated, paths absolute. The state
 * that changes as the VM is rebooted (current overlay, current kernel) lives in {@code state.VmState}.
 */
public record VmSpec(
        Path file,
        String name,
        ByteSize memory,
        int cpus,
        String machine,
        List<Path> systemDisks,
        PersistentDisk persistentDisk,
        Network network,
        Optional<KernelBoot> boot,
        Hooks hooks,
        Readiness ready,
        Optional<Update> update,
        SwitchPolicy switchPolicy,
        Optional<LibvirtDomain> libvirt) {

    /** Which engine runs the VM: {@code libvirt} for a spec that names a domain, else {@code embedded}. */
    public String engine() {
        return libvirt.isPresent() ? "libvirt" : "embedded";
    }

    /**
     * A VM that is a libvirt domain bgreboot did not create. Its memory, disks, network and boot
     * come from the domain's XML; the spec names the domain, which of its disks is persistent (by
     * target or serial, never guessed), and the guest's hooks, readiness and update.
     *
     * @param connect   the libvirt URI, as virsh takes it; empty: {@code --connect}, LIBVIRT_DEFAULT_URI or libvirt's default
     * @param domain    the domain's name when bgreboot first met it (later generations are found by their metadata)
     * @param specText  the spec as written, kept in the domain's metadata so that the domain alone names its VM
     * @param announce  at the switch, QEMU's announce-self through libvirt's monitor passthrough (libvirt marks the
     *                  domain tainted for it); false: the clone's own frames teach the bridge its port
     */
    public record LibvirtDomain(Optional<String> connect, String domain, PersistentDiskRef persistentDisk, String specText, boolean announce) {}

    /** Names the persistent disk among a domain's disks: by its target ({@code vdb}) or by its serial. */
    public record PersistentDiskRef(String target, String serial) {
        public boolean matches(String diskTarget, String diskSerial) {
            return !target.isEmpty() ? target.equals(diskTarget) : serial.equals(diskSerial);
        }

        @Override public String toString() {
            return !target.isEmpty() ? "target " + target : "serial " + serial;
        }
    }

    /** The user-data disk: never cloned, handed from FG to BG at the switch. */
    public record PersistentDisk(Path path, String format, String serial) {}

    /**
     * The VM's network identity. In {@code USER} mode (QEMU's user networking; a convenience) its
     * service is reached through host port forwards. In {@code BRIDGE} mode it has its own address
     * on a Linux bridge: {@code bridge} in network namespace {@code netns} (empty: the host's), and
     * its clients reach {@code address} from {@code clientNetns} (empty: the host's).
     */
    public record Network(Mode mode, String mac, List<PortForward> forwards, String bridge, String netns, String address,
                          String clientNetns, int servicePort) {
        public enum Mode { USER, BRIDGE }

        /** User networking with port forwards. */
        public static Network user(String mac, List<PortForward> forwards) {
            return new Network(Mode.USER, mac, forwards, "", "", "", "", forwards.isEmpty() ? 80 : forwards.get(0).guestPort());
        }

        public boolean bridged() {
            return mode == Mode.BRIDGE;
        }
    }

    /** A host loopback port forwarded to a guest port (QEMU user networking). */
    public record PortForward(String hostAddress, int hostPort, int guestPort) {
        /** The argument of {@code hostfwd=} and of HMP {@code hostfwd_add}. */
        public String hostfwd() {
            return "tcp:" + hostAddress + ":" + hostPort + "-:" + guestPort;
        }
    }

    /**
     * How the switch hands the persistent disk over. {@code release}: FREEZE freezes its
     * filesystem in the old VM (one agent call; everything acknowledged is on the disk and the
     * filesystem is clean), HOOK runs the release hook (its release.d stops services, then it
     * unmounts). {@code disk}: SWAP gives the clone the disk's device from boot, backed by nothing,
     * and points it at the image at the switch; HOTPLUG plugs the device in at the switch.
     */
    public record SwitchPolicy(Release release, DiskHandover disk) {
        public static final SwitchPolicy DEFAULT = new SwitchPolicy(Release.FREEZE, DiskHandover.SWAP);

        public enum Release { FREEZE, HOOK }

        public enum DiskHandover { SWAP, HOTPLUG }
    }

    /**
     * Direct kernel boot; absent means the VM boots from its system disk through its boot loader.
     * A libvirt spec's update may leave {@code cmdline} null: the domain's own is kept.
     */
    public record KernelBoot(Path kernel, Path initrd, String cmdline) {}

    /**
     * Guest commands (argv) run through the agent at the switch. A hook still running after
     * {@code timeout} is killed in the guest and counts as failed.
     */
    public record Hooks(List<String> release, List<String> attach, Duration timeout) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    }

    /** Readiness checks of the background clone; all must pass within the timeout. */
    public record Readiness(Duration timeout, boolean agent, List<List<String>> commands,
                            Optional<String> serial, Optional<String> service) {}

    /**
     * The update a reboot applies: a guest command run in FG before the clone (installs packages,
     * writes the new version) and, for direct kernel boot, the kernel the clone boots. {@code kexec}
     * is the guest command of a kexec reboot (a baseline), empty if the guest has none.
     */
    public record Update(List<String> install, Optional<KernelBoot> boot, List<String> kexec, Optional<GuestKernel> fromGuest) {
        public Update(List<String> install, Optional<KernelBoot> boot, List<String> kexec) {
            this(install, boot, kexec, Optional.empty());
        }
    }

    /**
     * A direct-kernel-boot VM whose guest installs its own kernels: the update boots the files these
     * guest paths name (Debian's /boot/vmlinuz and /boot/initrd.img symlinks, resolved in the guest),
     * fetched through the agent at the clone point, never from the host's /boot.
     */
    public record GuestKernel(String kernel, String initrd) {}

    public boolean directKernelBoot() {
        return boot.isPresent();
    }

    /** The same VM with another network identity and persistent disk: what a running instance keeps. */
    public VmSpec withIdentity(Network net, PersistentDisk disk) {
        return new VmSpec(file, name, memory, cpus, machine, systemDisks, disk, net, boot, hooks, ready, update, switchPolicy, libvirt);
    }

    /** A libvirt VM's spec as its domain's XML fills it in: what the domain really has. */
    public VmSpec asDomain(ByteSize memory, int cpus, String machine, List<Path> systemDisks, PersistentDisk disk, Network net,
                           Optional<KernelBoot> boot, Optional<Update> update) {
        return new VmSpec(file, name, memory, cpus, machine, systemDisks, disk, net, boot, hooks, ready, update, switchPolicy, libvirt);
    }

    /** The same spec on another libvirt URI ({@code --connect}). */
    public VmSpec connectingTo(String uri) {
        return new VmSpec(file, name, memory, cpus, machine, systemDisks, persistentDisk, network, boot, hooks, ready, update, switchPolicy,
                libvirt.map(l -> new LibvirtDomain(Optional.of(uri), l.domain(), l.persistentDisk(), l.specText(), l.announce())));
    }
}
