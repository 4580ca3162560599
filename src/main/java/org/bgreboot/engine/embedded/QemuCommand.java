package org.bgreboot.engine.embedded;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bgreboot.spec.VmSpec;
/**
 * The QEMU command line of a {@link Launch}. Device ids and node names are fixed here because the
 * reboot flow addresses them over QMP.
 */
public final class QemuCommand {
    /** The NIC whose link the switch brings up. */
    public static final String NIC_ID = "nic0";
    public static final String NETDEV_ID = "net0";
    /** The persistent disk's device and block nodes, the same in FG and (after the switch) BG. */
    public static final String PERSIST_DEVICE = "persist-dev";
    public static final String PERSIST_NODE = "persist";
    public static final String PERSIST_FILE_NODE = "persist-file";
    /** The PCIe root port the persistent disk is (hot-)plugged into on q35. */
    public static final String PERSIST_PORT = "rp-persist";
    /** A second root port, where a clone rehearses the hot-plug before the switch. */
    public static final String REHEARSAL_PORT = "rp-rehearsal";

    private QemuCommand() {}

    /** The block node of the i-th system disk as it was at launch. */
    public static String systemNode(int i) {
        return "sys" + i;
    }

    public static String systemDevice(int i) {
        return "sys" + i + "-dev";
    }

    public static List<String> argv(Path qemuBinary, Launch l) {
        VmSpec s = l.spec();
        RuntimeDir r = l.runtime();
        List<String> a = new ArrayList<>();
        a.add(qemuBinary.toString());
        add(a, "-name", "guest=" + s.name() + ",process=bgreboot-" + s.name() + "-g" + l.state().generation());
        add(a, "-machine", s.machine());
        // TCG: a 128 MiB translation cache; with 7.2's default a guest reset after heavy work (the
        // Debian kernel install) crawls for minutes while QEMU discards what it had translated
        add(a, "-accel", l.accel() == Accel.TCG ? "tcg,tb-size=128" : l.accel().qemuName());
        add(a, "-cpu", l.accel() == Accel.KVM ? "host" : "max");
        add(a, "-m", s.memory().mib() + "M");
        add(a, "-smp", String.valueOf(s.cpus()));
        a.add("-nodefaults");
        a.add("-no-user-config");
        add(a, "-display", "none");
        add(a, "-pidfile", r.pidFile().toString()); // runtime paths are ours: no commas in them
        add(a, "-qmp", "unix:" + r.qmpSocket() + ",server=on,wait=off");
        add(a, "-qmp", "unix:" + r.observerSocket() + ",server=on,wait=off");
        add(a, "-chardev", "socket,id=qga0,path=" + r.agentSocket() + ",server=on,wait=off");
        add(a, "-device", "virtio-serial-pci,id=vser0");
        add(a, "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0");
        add(a, "-chardev", "file,id=ser0,path=" + r.serialLog());
        add(a, "-serial", "chardev:ser0");
        l.state().boot().ifPresent(b -> {
            add(a, "-kernel", b.kernel().toString()); // -kernel/-initrd take plain paths
            if (b.initrd() != null) {
                add(a, "-initrd", b.initrd().toString());
            }
            add(a, "-append", b.cmdline());
        });
        for (int i = 0; i < l.state().systemOverlays().size(); i++) {
            String node = systemNode(i);
            add(a, "-blockdev", "driver=file,filename=" + opt(l.state().systemOverlays().get(i)) + ",node-name=" + node + "-file");
            add(a, "-blockdev", "driver=qcow2,file=" + node + "-file,node-name=" + node);
            add(a, "-device", "virtio-blk-pci,drive=" + node + ",id=" + systemDevice(i) + ",serial=bgsystem" + i
                    + (l.state().boot().isEmpty() && i == 0 ? ",bootindex=0" : ""));
        }
        if (q35(s)) {
            // pcie.0 refuses hotplug: the persistent disk lives on a root port created at start.
            add(a, "-device", "pcie-root-port,id=" + PERSIST_PORT + ",chassis=1,slot=1");
            add(a, "-device", "pcie-root-port,id=" + REHEARSAL_PORT + ",chassis=2,slot=2");
        }
        if (l.role() == Launch.Role.FOREGROUND || l.persistentPlaceholderBytes().isPresent()) {
            List<String> blockdevs = l.role() == Launch.Role.FOREGROUND ? persistentBlockdevs(s.persistentDisk())
                    : PersistentDiskPlug.placeholderBlockdevs(l.persistentPlaceholderBytes().get());
            for (String blockdev : blockdevs) {
                add(a, "-blockdev", blockdev);
            }
            add(a, "-device", persistentDevice(s));
        }
        if (l.tap().isPresent()) {
            // no scripts: the tap exists already, made by bgreboot (Debian's default /etc/qemu-ifup would run otherwise)
            add(a, "-netdev", "tap,id=" + NETDEV_ID + ",ifname=" + l.tap().get() + ",script=no,downscript=no");
        } else {
            StringBuilder net = new StringBuilder("user,id=" + NETDEV_ID);
            if (!l.background()) {
                s.network().forwards().forEach(f -> net.append(",hostfwd=").append(f.hostfwd()));
            }
            add(a, "-netdev", net.toString());
        }
        add(a, "-device", "virtio-net-pci,netdev=" + NETDEV_ID + ",id=" + NIC_ID + ",mac=" + s.network().mac() + ",romfile=");
        add(a, "-device", "pvpanic");
        add(a, "-device", "vmgenid,id=vmgenid0,guid=auto");
        if (l.background()) {
            a.add("-S"); // no instruction runs before the link is set down
        }
        l.incomingState().ifPresent(state -> add(a, "-incoming", "exec:cat " + shellQuoted(state)));
        return a;
    }

    /** The two -blockdev definitions of the persistent disk (file node, then format node). */
    static List<String> persistentBlockdevs(VmSpec.PersistentDisk p) {
        return List.of(
                "driver=file,filename=" + opt(p.path()) + ",node-name=" + PERSIST_FILE_NODE,
                "driver=" + p.format() + ",file=" + PERSIST_FILE_NODE + ",node-name=" + PERSIST_NODE);
    }

    static String persistentDevice(VmSpec s) {
        return "virtio-blk-pci,drive=" + PERSIST_NODE + ",id=" + PERSIST_DEVICE + ",serial=" + s.persistentDisk().serial()
                + (q35(s) ? ",bus=" + PERSIST_PORT : "");
    }

    /**
     * A path as one shell word: QEMU runs {@code exec:} migration URIs with /bin/sh, and the path
     * comes from the user's BGREBOOT_HOME, which may hold any character.
     */
    public static String shellQuoted(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    /** A user-chosen path inside a QEMU option list: commas are doubled. */
    static String opt(Path p) {
        return p.toString().replace(",", ",,");
    }

    public static boolean q35(VmSpec s) {
        return "q35".equals(s.machine());
    }

    private static void add(List<String> a, String opt, String value) {
        a.add(opt);
        a.add(value);
    }
}
