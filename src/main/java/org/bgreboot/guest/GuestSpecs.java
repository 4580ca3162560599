package org.bgreboot.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.state.Durable;

/**
 * Writes a VM spec (TOML) for a built guest image: the spec a user would write by hand, with the
 * guest's hooks, readiness checks and its v1→v2 update filled in from the manifest.
 */
public final class GuestSpecs {
    private GuestSpecs() {}

    /**
     * What varies between VMs made from the same image. With {@code bridge}, the VM has its own
     * address on a bridge instead of a forwarded host port.
     */
    public record Request(String vmName, GuestImage image, ByteSize memory, int hostPort, Path persistentDisk, Optional<Bridge> bridge) {
        public Request(String vmName, GuestImage image, ByteSize memory, int hostPort, Path persistentDisk) {
            this(vmName, image, memory, hostPort, persistentDisk, Optional.empty());
        }
    }

    /** A bridged VM's place: the bridge (in {@code netns}), its address, where its clients are. */
    public record Bridge(String bridge, String netns, String address, int prefixLength, String clientNetns) {}

    /** Writes the spec; copies the pristine persistent disk to {@code persistentDisk} if it is missing. */
    public static Path write(Request r, Path specFile) {
        try {
            if (!Files.exists(r.persistentDisk())) {
                Files.createDirectories(r.persistentDisk().getParent());
                Files.copy(r.image().persistentDisk(), r.persistentDisk());
            }
            Files.createDirectories(specFile.getParent());
            byte[] text = toml(r).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            // written only when it changes: commands that only look must not write
            if (!Files.exists(specFile) || !java.util.Arrays.equals(Files.readAllBytes(specFile), text)) {
                Durable.write(specFile, text);
            }
            return specFile;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spec " + specFile, e);
        }
    }

    static String toml(Request r) {
        GuestImage img = r.image();
        GuestImage.Manifest m = img.manifest();
        List<String> l = new ArrayList<>();
        l.add("# VM spec for the " + m.name() + " guest, written by bgreboot from " + img.dir().resolve("guest.json"));
        l.add("name = " + str(r.vmName()));
        l.add("memory = " + str(r.memory().toString()));
        l.add("cpus = 1");
        l.add("machine = \"q35\"");
        l.add("");
        l.add("[[system_disk]]");
        l.add("path = " + str(img.systemDisk().toString()));
        l.add("");
        l.add("[persistent_disk]            # user data: handed from the old VM to the new one, never cloned");
        l.add("path = " + str(r.persistentDisk().toString()));
        l.add("format = \"raw\"");
        l.add("serial = " + str(m.persistentSerial()));
        l.add("");
        l.add("[network]");
        if (r.bridge().isPresent()) {
            Bridge b = r.bridge().get();
            l.add("mode = \"bridge\"              # its own address on a bridge, reached by clients in client_netns");
            l.add("bridge = " + str(b.bridge()));
            l.add("netns = " + str(b.netns()));
            l.add("address = " + str(b.address()));
            l.add("client_netns = " + str(b.clientNetns()));
        } else {
            String forwards = "{ host_port = " + r.hostPort() + ", guest_port = 80 }";
            if (m.postgres() != null) { // PostgreSQL one host port above the service's
                forwards += ", { host_port = " + (r.hostPort() + 1) + ", guest_port = " + m.postgres().port() + " }";
            }
            l.add("forwards = [ " + forwards + " ]");
        }
        if (img.directKernelBoot()) {
            GuestImage.OsVersion v1 = img.first();
            l.add("");
            l.add("[boot]                       # direct kernel boot: the OS version " + v1.version());
            l.add("kernel = " + str(img.kernel(v1).orElseThrow().toString()));
            img.initrd(v1).ifPresent(i -> l.add("initrd = " + str(i.toString())));
            // the guest takes its bridged address from its command line (the update's kernel gets the same line)
            l.add("cmdline = " + str(m.cmdline() + r.bridge().map(b -> " bgreboot.ip=" + b.address() + "/" + b.prefixLength()).orElse("")));
        }
        l.add("");
        l.add("[hooks]                      # guest commands run through the agent at the switch");
        l.add("release = " + argv(m.release()));
        l.add("attach = " + argv(m.attach()));
        l.add("");
        l.add("[ready]                      # the background clone is ready when all of these pass");
        l.add("timeout = \"10m\"");
        l.add("agent = true");
        // a plain guest has neither the boot unit's console line nor bgreboot-ready until 'bgreboot guest install'
        if (m.serialReady() != null && m.hasGuestPackage()) {
            l.add("serial = " + str(m.serialReady()));
        }
        List<String> commands = new ArrayList<>();
        if (m.readySystemd() != null) {
            commands.add(argv(m.readySystemd()));
        }
        if (m.hasGuestPackage()) {
            commands.add(argv(m.ready()));
        }
        l.add("commands = [ " + String.join(", ", commands) + " ]");
        l.add("service = \"http://127.0.0.1/\"");
        l.add("");
        l.add("[switch]                     # how the persistent disk changes hands");
        if (m.postgres() != null) { // the release hook checkpoints while PostgreSQL still commits, then freezes (its guest.conf)
            l.add("release = \"hook\"             # the guest's release hook: a CHECKPOINT, then the disk frozen (RELEASE in guest.conf)");
        } else {
            l.add("release = \"freeze\"           # its filesystem frozen in the old VM: synced and clean, one agent call");
        }
        l.add(m.takesDiskSwap() ? "disk = \"swap\"                # the clone boots with its device; the image is swapped in"
                : "disk = \"hotplug\"             # this guest's attach hook waits for a hot-plugged disk");
        l.add("");
        if (!img.aptUpdates().isEmpty()) {
            // a guest that updates itself (unattended-upgrades): a reboot boots what it installed, nothing of ours to install
            l.add("# no update section: the guest installs its own updates; 'bgreboot reboot' boots what its boot loader boots next");
            return String.join("\n", l) + "\n";
        }
        GuestImage.OsVersion next = img.last();
        l.add("[update]                     # what a reboot installs: " + img.first().version() + " -> " + next.version());
        l.add("install = " + argv(m.update()));
        if (img.directKernelBoot()) {
            l.add("kernel = " + str(img.kernel(next).orElseThrow().toString()));
            img.initrd(next).ifPresent(i -> l.add("initrd = " + str(i.toString())));
        }
        if (m.kexec() != null) {
            l.add("kexec = " + argv(m.kexec()) + "     # the guest's kexec reboot, a baseline");
        }
        return String.join("\n", l) + "\n";
    }

    private static String argv(List<String> argv) {
        return argv.stream().map(GuestSpecs::str).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String str(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
