package org.bgreboot.guest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A built guest image: its directory and the manifest ({@code guest.json}) its builder wrote. Paths
 * in the manifest are relative to the directory.
 */
public record GuestImage(Path dir, Manifest manifest) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Manifest(
            String name,
            @JsonProperty("system_disk") String systemDisk,
            @JsonProperty("persistent_disk") String persistentDisk,
            @JsonProperty("persistent_serial") String persistentSerial,
            String boot,
            String cmdline,
            List<OsVersion> versions,
            List<String> update,
            List<String> release,
            List<String> attach,
            List<String> ready,
            @JsonProperty("ready_systemd") List<String> readySystemd,
            @JsonProperty("serial_ready") String serialReady,
            List<String> kexec,
            @JsonProperty("disk_swap") Boolean diskSwap,
            String variant,
            @JsonProperty("guest_package") String guestPackage,
            @JsonProperty("guest_package_installed") Boolean guestPackageInstalled,
            Postgres postgres,
            Debian debian,
            @JsonProperty("apt_updates") List<String> aptUpdates) {

        /** A manifest without a Debian release (the demo guest's, or a test's). */
        public Manifest(String name, String systemDisk, String persistentDisk, String persistentSerial, String boot, String cmdline,
                        List<OsVersion> versions, List<String> update, List<String> release, List<String> attach, List<String> ready,
                        List<String> readySystemd, String serialReady, List<String> kexec, Boolean diskSwap, String variant,
                        String guestPackage, Boolean guestPackageInstalled, Postgres postgres) {
            this(name, systemDisk, persistentDisk, persistentSerial, boot, cmdline, versions, update, release, attach, ready, readySystemd,
                    serialReady, kexec, diskSwap, variant, guestPackage, guestPackageInstalled, postgres, null, null);
        }

        /** Whether bgreboot's guest package is in the image (not in a plain guest, until 'bgreboot guest install'). */
        public boolean hasGuestPackage() {
            return !Boolean.FALSE.equals(guestPackageInstalled);
        }

        /** Whether the guest's attach hook takes a persistent disk swapped under a device it booted with. */
        public boolean takesDiskSwap() {
            return Boolean.TRUE.equals(diskSwap);
        }
    }

    /** A guest that serves PostgreSQL on its persistent disk: where to reach it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Postgres(int port, String user, String database, String version,
                           @JsonProperty("data_directory") String dataDirectory) {}

    /** A Debian guest's release: {@code bookworm}, 12. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Debian(String codename, int version) {}

    /** One OS version of the guest; kernel and initrd are set for direct kernel boot. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record OsVersion(String version, String kernel, String initrd,
                            @JsonProperty("kernel_release") String kernelRelease) {}

    public static GuestImage read(Path dir) {
        try {
            return new GuestImage(dir, new ObjectMapper().readValue(dir.resolve("guest.json").toFile(), Manifest.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the guest manifest in " + dir, e);
        }
    }

    public String name() {
        return manifest.name();
    }

    public Path systemDisk() {
        return dir.resolve(manifest.systemDisk());
    }

    public Path persistentDisk() {
        return dir.resolve(manifest.persistentDisk());
    }

    /** Direct kernel boot unless the manifest says the guest boots from its disk. */
    public boolean directKernelBoot() {
        return !"disk".equals(manifest.boot());
    }

    public OsVersion first() {
        return manifest.versions().get(0);
    }

    public OsVersion last() {
        return manifest.versions().get(manifest.versions().size() - 1);
    }

    public Optional<Path> kernel(OsVersion v) {
        return Optional.ofNullable(v.kernel()).map(dir::resolve);
    }

    /**
     * The newer packages of a guest that updates itself (debian12-unattended), for a local apt
     * repository; empty for the others.
     */
    public List<Path> aptUpdates() {
        return manifest.aptUpdates() == null ? List.of() : manifest.aptUpdates().stream().map(dir::resolve).toList();
    }

    public Optional<Path> initrd(OsVersion v) {
        return Optional.ofNullable(v.initrd()).map(dir::resolve);
    }
}
