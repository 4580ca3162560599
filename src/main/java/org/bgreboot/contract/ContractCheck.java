package org.bgreboot.contract;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bgreboot.agent.MountedFs;
import org.bgreboot.engine.Instance;
import org.bgreboot.spec.VmSpec;

/**
 * Checks, through the agent, what a guest must have for a background reboot (guest/README.md, "The
 * guest contract"), one line per item: pass, or what to fix. It passes only if a background reboot
 * can work: a hook missing, a disk mounted so that boot waits for it, a database kept on the system
 * disk each make it fail.
 */
public final class ContractCheck {
    /** The agent commands the flow uses. */
    static final List<String> AGENT_COMMANDS = List.of("guest-exec", "guest-exec-status", "guest-file-open", "guest-file-read",
            "guest-file-write", "guest-file-close", "guest-fsfreeze-freeze-list", "guest-fsfreeze-thaw", "guest-get-fsinfo",
            "guest-set-time", "guest-shutdown", "guest-sync-delimited");
    /** Where services keep data that must survive a reboot; on the system disk it would be lost at the switch. */
    static final List<String> DATA_DIRS = List.of("/var/lib/postgresql", "/var/lib/mysql", "/var/lib/mongodb", "/var/lib/redis",
            "/var/lib/docker", "/srv");

    /** One line of the check. */
    public record Item(String what, boolean passed, String detail) {
        public String line() {
            return String.format("%-4s %-40s %s", passed ? "ok" : "FIX", what, detail);
        }
    }

    private ContractCheck() {}

    public static List<Item> of(VmSpec spec, Instance vm) {
        List<Item> items = new ArrayList<>();
        GuestShell sh = new GuestShell(vm.agent());
        try {
            vm.agent().sync(Duration.ofSeconds(5));
            String version = vm.agent().info();
            items.add(new Item("guest agent answers", true, "qemu-guest-agent " + version));
        } catch (RuntimeException e) {
            items.add(new Item("guest agent answers", false, "no answer (" + e.getMessage() + "): install qemu-guest-agent and give the "
                    + "VM a virtio-serial port named org.qemu.guest_agent.0"));
            return items;
        }
        Set<String> enabled = vm.agent().enabledCommands();
        List<String> missing = AGENT_COMMANDS.stream().filter(c -> !enabled.contains(c)).toList();
        items.add(new Item("agent allows what bgreboot uses", missing.isEmpty(), missing.isEmpty() ? String.join(" ", AGENT_COMMANDS.subList(0, 3)) + "..."
                : "disabled: " + String.join(", ", missing) + ": remove them from qemu-ga's --block-rpcs (/etc/default/qemu-guest-agent)"));

        String serial = spec.persistentDisk().serial();
        String disk = sh.diskWithSerial(serial);
        items.add(new Item("persistent disk present (serial " + serial + ")", !disk.isEmpty(), disk.isEmpty()
                ? "no disk has that serial: attach it with <serial>" + serial + "</serial> (libvirt) or fix the spec's persistent_disk.serial" : disk));
        List<MountedFs> fs = vm.agent().fsInfo(Duration.ofSeconds(30));
        String mount = fs.stream().filter(f -> f.disks().stream().anyMatch(d -> serial.equals(d.serial()) || (d.dev() != null && d.dev().equals(disk))))
                .map(MountedFs::mountpoint).findFirst().orElse("");
        items.add(new Item("persistent disk mounted", !mount.isEmpty(), mount.isEmpty() ? "not mounted: run 'bgreboot guest install'" : mount));
        String fstab = fstabLine(sh.read("/etc/fstab"), mount.isEmpty() ? "/home" : mount);
        boolean noauto = fstab.isEmpty() || options(fstab).contains("noauto");
        items.add(new Item("boot does not wait for it", noauto, fstab.isEmpty() ? "not in /etc/fstab (the boot unit mounts it)"
                : noauto ? fstab : "its /etc/fstab line lacks 'noauto': a clone boots without the disk (or with an empty device) and "
                + "would wait 90 s for it or fail to mount it; 'bgreboot guest install' makes it noauto,nofail (the boot unit mounts it)"));

        for (String hook : hooks(spec)) {
            boolean x = sh.ok("test", "-x", hook);
            items.add(new Item("hook " + hook, x, x ? "present, executable" : "missing or not executable: run 'bgreboot guest install'"));
        }
        for (List<String> ready : spec.ready().commands()) {
            boolean passes = sh.ok(ready.toArray(String[]::new));
            items.add(new Item("readiness " + String.join(" ", ready), passes, passes ? "passes" : "fails now: the clone would never be ready"));
        }
        String persist = mount;
        for (String dir : DATA_DIRS) {
            // a directory with files in it (a package's empty skeleton is no data)
            if (sh.run("find", dir, "-type", "f", "-size", "+0", "!", "-name", ".*", "-print", "-quit").stdoutText().isBlank()) {
                continue;
            }
            items.add(dataItem("data in " + dir, sh.run("readlink", "-f", dir).stdoutText().strip(), persist));
        }
        // PostgreSQL may keep its cluster anywhere: its configuration says where
        String pgConf = sh.run("/bin/sh", "-c", "grep -h '^[[:space:]]*data_directory' /etc/postgresql/*/*/postgresql.conf 2>/dev/null").stdoutText();
        for (String line : pgConf.lines().toList()) {
            String dir = line.replaceFirst("^[^=]*=\\s*'([^']*)'.*$", "$1");
            items.add(dataItem("PostgreSQL data_directory", dir, persist));
        }
        items.addAll(kept(vm));
        return items;
    }

    /**
     * The services the guest keeps across the switch (bgreboot-keep, optional): each set up and
     * running under it, or what to do. Without bgreboot-keep, one line saying it is optional.
     */
    static List<Item> kept(Instance vm) {
        java.util.Optional<List<org.bgreboot.keep.KeptUnit>> units;
        try {
            units = new org.bgreboot.keep.GuestKeep(vm.agent()).list(Duration.ofSeconds(30));
        } catch (org.bgreboot.keep.GuestKeep.KeepFailed e) {
            return List.of(new Item("keeping state (bgreboot-keep)", false, e.getMessage() + ": reinstall it with 'bgreboot guest install --keep-state'"));
        }
        if (units.isEmpty()) {
            return List.of(new Item("keeping state (bgreboot-keep)", true, "not installed (optional: 'bgreboot guest install --keep-state')"));
        }
        if (units.get().isEmpty()) {
            return List.of(new Item("keeping state (bgreboot-keep)", true, "installed; no service named in /etc/bgreboot/keep.d"));
        }
        List<Item> out = new ArrayList<>();
        for (org.bgreboot.keep.KeptUnit u : units.get()) {
            java.util.Optional<String> why = u.whyNot();
            boolean inactive = why.isPresent() && u.setup() && u.criu() && !u.active().equals("active");
            out.add(new Item("kept service " + u.name(), why.isEmpty() || inactive, why.isEmpty()
                    ? u.unit() + " set up, runs under bgreboot-keep (pid " + u.mainPid() + "), ports " + (u.ports().isEmpty() ? "none" : u.ports())
                    : why.get()));
        }
        return out;
    }

    private static Item dataItem(String what, String real, String persist) {
        boolean onPersistent = !persist.isEmpty() && (real.equals(persist) || real.startsWith(persist + "/"));
        return new Item(what, onPersistent, onPersistent ? "on the persistent disk (" + real + ")"
                : real + " is on the system disk: a background reboot would lose what is written after the clone point; move it to "
                + (persist.isEmpty() ? "the persistent disk" : persist) + " and link it");
    }

    /** The mount options of an /etc/fstab line. */
    static List<String> options(String fstabLine) {
        String[] f = fstabLine.strip().split("\\s+");
        return f.length >= 4 ? List.of(f[3].split(",")) : List.of();
    }

    /** /etc/fstab with the line that mounts {@code mount} made {@code noauto,nofail}; the text unchanged if it is already. */
    static String withNoauto(String fstab, String mount) {
        StringBuilder out = new StringBuilder();
        for (String line : fstab.split("\n", -1)) {
            String[] f = line.strip().split("\\s+");
            if (!line.strip().startsWith("#") && f.length >= 4 && f[1].equals(mount)) {
                List<String> opts = new ArrayList<>(List.of(f[3].split(",")));
                for (String o : List.of("noauto", "nofail")) {
                    if (!opts.contains(o)) {
                        opts.add(o);
                    }
                }
                f[3] = String.join(",", opts);
                line = String.join(" ", f);
            }
            out.append(line).append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    public static boolean passed(List<Item> items) {
        return items.stream().allMatch(Item::passed);
    }

    /** The hooks a spec names: release and attach, and every readiness command's program. */
    private static List<String> hooks(VmSpec spec) {
        List<String> h = new ArrayList<>();
        if (!spec.hooks().release().isEmpty()) {
            h.add(spec.hooks().release().get(0));
        }
        if (!spec.hooks().attach().isEmpty()) {
            h.add(spec.hooks().attach().get(0));
        }
        return h;
    }

    /** The /etc/fstab line that mounts {@code mount}, or "". */
    static String fstabLine(String fstab, String mount) {
        return fstab.lines().map(String::strip).filter(l -> !l.startsWith("#"))
                .filter(l -> l.split("\\s+").length >= 2 && l.split("\\s+")[1].equals(mount)).findFirst().orElse("");
    }
}
