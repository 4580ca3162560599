package org.bgreboot.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.testnet.TestNetwork;
import org.bgreboot.Home;
import org.bgreboot.HostCommand;
import org.bgreboot.Progress;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.state.Durable;

/**
 * Libvirt hosts of the project's own for the libvirt demos and tests: a test network
 * ({@code scripts/testnet.sh}: a switch namespace with a bridge, a client namespace where the
 * prober and writer run) and, per host, a namespace uplinked to the switch in which a private
 * libvirtd and virtlogd run ({@code scripts/libvirt-host.sh}), reached by a unix-socket URI. Demo
 * guests are defined there as domains on that host's bridge, each with its own address. Closing it
 * stops every daemon by its pid and removes every namespace by its name.
 */
public final class LibvirtLab implements AutoCloseable {
    /** One libvirt host of the lab; {@code tcpUri} when it also listens on qemu+tcp (no auth: tests only). */
    public record LabHost(int index, Path dir, String uri, String netns, java.util.Optional<String> tcpUri) {}

    /** Where a demo domain sits and what it was defined from, to define it afresh. */
    public record DemoDomain(String vm, LabHost host, Path spec, Path xml, Path systemImage, Path persistent, GuestImage image, String address) {}

    private final Scripts scripts;
    private final Path dir;
    private final String net;
    private final int subnet;
    private final Progress progress;
    private final List<LabHost> hosts = new ArrayList<>();
    private final Map<String, String> facts = new HashMap<>();
    private org.bgreboot.Teardown.Registration teardown;

    private LibvirtLab(Scripts scripts, Path dir, String net, int subnet, Progress progress) {
        this.scripts = scripts;
        this.dir = dir;
        this.net = net;
        this.subnet = subnet;
        this.progress = progress;
    }

    /**
     * Brings up test network {@code net} (1-8 of [a-z0-9]) on 10.77.{@code subnet}.0/24 and
     * {@code hostCount} libvirt hosts on it. Whatever fails midway is torn down again.
     */
    public static LibvirtLab start(Home home, String net, int subnet, int hostCount, Progress progress) {
        return start(home, net, subnet, hostCount, 0, progress);
    }

    /** The same, the last host also listening on qemu+tcp at {@code tcpPort} (0: none), reached from this namespace. */
    public static LibvirtLab start(Home home, String net, int subnet, int hostCount, int tcpPort, Progress progress) {
        TestNetwork.Place place = TestNetwork.place(net, subnet);
        Path dir = home.home().resolve("libvirt-lab").resolve(place.name());
        Scripts scripts = new Scripts(home.repo(), Map.of("BGREBOOT_CACHE", home.cache().toString()));
        LibvirtLab lab = new LibvirtLab(scripts, dir, place.name(), place.subnet(), progress);
        lab.teardown = org.bgreboot.Teardown.onExit("the libvirt hosts and test network " + place.name() + " (" + dir + ")", lab::stopAll);
        try {
            lab.up(hostCount, tcpPort);
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    private void up(int hostCount, int tcpPort) {
        scripts.run("libvirt-host.sh", "install");
        for (int h = 1; h <= 9; h++) {
            scripts.run("libvirt-host.sh", "stop", hostDir(h).toString()); // what an interrupted run left
        }
        scripts.run("testnet.sh", "down", net);
        Durable.deleteTree(dir);
        mkdirs(dir);
        progress.step("test network " + net + " on 10.77." + subnet + ".0/24");
        scripts.run("testnet.sh", "up", net, String.valueOf(subnet)).lines().filter(l -> l.contains("="))
                .forEach(l -> facts.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        for (int h = 1; h <= hostCount; h++) {
            String netns = "bgrn-" + net + "-h" + h;
            scripts.run("testnet.sh", "host", net, String.valueOf(h));
            List<String> args = new ArrayList<>(List.of("start", hostDir(h).toString(), "--netns", netns));
            boolean tcp = tcpPort > 0 && h == hostCount;
            if (tcp) {
                args.addAll(List.of("--tcp", String.valueOf(tcpPort)));
            }
            List<String> uris = scripts.run("libvirt-host.sh", args.toArray(String[]::new)).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            LabHost host = new LabHost(h, hostDir(h), uris.get(0), netns, tcp && uris.size() > 1 ? java.util.Optional.of(uris.get(1)) : java.util.Optional.empty());
            hosts.add(host);
            progress.step("libvirt host " + h + ": " + uris.get(0) + host.tcpUri().map(u -> " and " + u).orElse(""));
        }
    }

    /** Stops host {@code h}'s daemons (and so its domains), as a host that goes away would. */
    public void stopHost(int h) {
        scripts.run("libvirt-host.sh", "stop", hostDir(h).toString());
    }

    /** Starts host {@code h}'s daemons again (its persistent definitions are kept); the URIs stay. */
    public void restartHost(int h) {
        LabHost host = hosts.get(h - 1);
        List<String> args = new ArrayList<>(List.of("start", hostDir(h).toString(), "--netns", host.netns()));
        host.tcpUri().ifPresent(u -> args.addAll(List.of("--tcp", u.replaceFirst(".*:(\\d+)/.*", "$1"))));
        scripts.run("libvirt-host.sh", args.toArray(String[]::new));
    }

    private Path hostDir(int h) {
        return dir.resolve("h" + h);
    }

    public List<LabHost> hosts() {
        return List.copyOf(hosts);
    }

    public String clientNetns() {
        return facts.get("CLIENT_NS");
    }

    public String bridge() {
        return facts.get("BRIDGE");
    }

    /** The {@code i}-th VM address on the test network. */
    public String address(int i) {
        return "10.77." + subnet + "." + (10 + i);
    }

    /**
     * A demo guest as a domain of {@code host}: its system disk an overlay of the built image, a
     * pristine persistent disk, v1's kernel with its address on the command line, its NIC on the
     * host's bridge; and a libvirt spec for it. Not defined yet: see {@link #define}.
     */
    public DemoDomain demoDomain(GuestImage image, String vm, LabHost host, int addressIndex, String memory) {
        Path vmDir = dir.resolve("vms").resolve(vm);
        mkdirs(vmDir);
        String address = address(addressIndex);
        Path system = vmDir.resolve(vm + ".qcow2");
        Path persistent = vmDir.resolve(vm + "-persist.img");
        Path xml = vmDir.resolve(vm + ".xml");
        Path spec = vmDir.resolve(vm + ".toml");
        int h = vm.hashCode();
        String mac = String.format("52:54:00:%02x:%02x:%02x", 0x40 | ((h >> 16) & 0x3f), (h >> 8) & 0xff, h & 0xff);
        write(xml, DemoDomainXml.of(image, vm, memory, system, persistent, vmDir.resolve(vm + "-serial.log"), bridge(), mac,
                address + "/" + facts.getOrDefault("PREFIX_LEN", "24")));
        write(spec, DemoDomainXml.spec(image, vm, host.uri(), address, clientNetns()));
        return new DemoDomain(vm, host, spec, xml, system, persistent, image, address);
    }

    /**
     * Defines the domain from the start: a new overlay on the image (v1), a pristine persistent
     * disk when {@code freshData}, and the domain (an old one of that name undefined first).
     */
    public void define(DemoDomain d, boolean freshData) {
        try (LibvirtEngine e = LibvirtEngine.connect(java.util.Optional.of(d.host().uri()))) {
            e.removeVm(d.vm(), d.vm());
        }
        try (var files = Files.list(d.systemImage().getParent())) {
            for (Path f : files.toList()) {
                if (!f.equals(d.xml()) && !f.equals(d.spec()) && !f.equals(d.persistent())) {
                    Files.delete(f); // every generation's layers and logs: the VM begins again from the image
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", d.image().systemDisk().toString(), d.systemImage().toString()));
        if (freshData || !Files.exists(d.persistent())) {
            try {
                Files.copy(d.image().persistentDisk(), d.persistent(), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (LibvirtEngine e = LibvirtEngine.connect(java.util.Optional.of(d.host().uri()))) {
            e.define(read(d.xml()));
        }
    }

    @Override public void close() {
        stopAll();
        teardown.close();
    }

    /** Every host's daemons and domains by their pids, the test network by its names, the lab's folder. */
    private synchronized void stopAll() {
        for (int h = 1; h <= 9; h++) { // every host this lab may have started, the one still starting too
            if (Files.isDirectory(hostDir(h))) {
                try {
                    scripts.run("libvirt-host.sh", "stop", hostDir(h).toString());
                } catch (RuntimeException e) {
                    progress.step("could not stop libvirt host " + hostDir(h) + ": " + e.getMessage());
                }
            }
        }
        try {
            scripts.run("testnet.sh", "down", net);
        } catch (RuntimeException e) {
            progress.step("could not remove test network " + net + ": " + e.getMessage());
        }
        try {
            Durable.deleteTree(dir);
        } catch (RuntimeException e) {
            progress.step("could not remove " + dir + ": " + e.getMessage());
        }
    }

    private static void exec(List<String> argv) {
        HostCommand r = HostCommand.run(argv);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + r.output().strip());
        }
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
