package org.bgreboot.engine.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.bgreboot.agent.AgentChannel;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireTimeoutException;

/**
 * qemu-guest-agent's protocol answered from the guest in memory: sync and ping, programs started
 * and polled ({@code guest-exec}, {@code guest-exec-status}), freezes, filesystems and disks, files,
 * the clock, shutdown. An agent that does not answer times out at once (the time a real timeout
 * would take passes for nothing here); one whose instance is gone is disconnected.
 */
final class MemoryAgentChannel implements AgentChannel {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final World world;
    private final BgrebootProcess process;
    private final Machine machine;
    private final Map<Long, byte[]> files = new HashMap<>();
    private long nextHandle = 1000;
    private volatile boolean closed;

    MemoryAgentChannel(World world, BgrebootProcess process, Machine machine) {
        this.world = world;
        this.process = process;
        this.machine = machine;
    }

    @Override public String name() {
        return "agent of " + machine;
    }

    @Override public void sync(Duration timeout) {
        synchronized (world) {
            answering("guest-sync-delimited", timeout);
        }
    }

    @Override public JsonNode call(String command, Supplier<ObjectNode> arguments, Duration timeout) {
        synchronized (world) {
            answering(command, timeout);
            ObjectNode args = arguments.get();
            return answer(command, args == null ? JSON.createObjectNode() : args, timeout);
        }
    }

    @Override public void send(String command, ObjectNode arguments, Duration timeout) {
        synchronized (world) {
            answering(command, timeout);
            if (!command.equals("guest-shutdown")) {
                throw new WireCommandException(command, null, "CommandNotFound", "not a command without a reply", null);
            }
            if (arguments.path("mode").asText().equals("reboot")) {
                restart("reboot: Restarting system");
            } else {
                world.powerOff(machine);
            }
        }
    }

    /** The guest restarts inside its instance (a reboot, a kexec): a new boot, the disk mounted again once it is up. */
    private void restart(String line) {
        Guest g = machine.guest;
        g.status = Guest.Status.BOOTING;
        g.fate = Fate.BOOTS;
        g.upAtNanos = System.nanoTime() + world.scriptOf(machine).bootMs * 1_000_000;
        g.bootId = java.util.UUID.randomUUID().toString();
        g.dataMounted = false;
        g.frozen.clear();
        g.processes.clear();
        g.services.clear();
        g.console.append(line).append("\n");
        world.event(machine + " restarts in place");
    }

    @Override public boolean isConnected() {
        return !closed && machine.alive();
    }

    @Override public void close() {
        closed = true;
    }

    /** Throws as a real channel would when nothing will answer. */
    private void answering(String command, Duration timeout) {
        world.enter(process, machine.host);
        world.tick();
        if (closed) {
            throw new WireDisconnectedException(name() + " is closed");
        }
        if (!machine.alive()) {
            throw new WireDisconnectedException(name() + ": its instance is gone (" + machine.exitWhy + ")");
        }
        boolean silent = world.scriptOf(machine).agentSilent && world.isCurrent(machine);
        if (machine.state != Machine.State.RUNNING || !machine.guest.up() || silent) {
            throw new WireTimeoutException(command, timeout, "no reply from the guest agent");
        }
    }

    private JsonNode answer(String command, ObjectNode args, Duration timeout) {
        Guest g = machine.guest;
        switch (command) {
            case "guest-ping":
                return JSON.createObjectNode();
            case "guest-info": {
                ObjectNode info = JSON.createObjectNode().put("version", "7.2.0-memory");
                info.putArray("supported_commands");
                return info;
            }
            case "guest-exec":
                return JSON.createObjectNode().put("pid", start(args));
            case "guest-exec-status":
                return status(args.path("pid").asLong());
            case "guest-fsfreeze-freeze":
                return freeze(command, g.mounts(), timeout);
            case "guest-fsfreeze-freeze-list": {
                List<String> wanted = new ArrayList<>();
                args.path("mountpoints").forEach(m -> wanted.add(m.asText()));
                return freeze(command, wanted.stream().filter(g.mounts()::contains).toList(), timeout);
            }
            case "guest-fsfreeze-thaw": {
                int n = g.frozen.size();
                g.frozen.clear();
                world.event(machine + " thawed");
                return JSON.getNodeFactory().numberNode(n);
            }
            case "guest-fsfreeze-status":
                return JSON.getNodeFactory().textNode(g.frozen.isEmpty() ? "thawed" : "frozen");
            case "guest-get-fsinfo":
                return fsinfo();
            case "guest-get-disks": {
                ArrayNode disks = JSON.createArrayNode();
                disks.addObject().put("name", "/dev/vda");
                if (machine.attached || machine.placeholder) {
                    disks.addObject().put("name", "/dev/vdb");
                }
                return disks;
            }
            case "guest-file-open": {
                long h = nextHandle++;
                files.put(h, file(args.path("path").asText()));
                return JSON.getNodeFactory().numberNode(h);
            }
            case "guest-file-read": {
                byte[] content = files.getOrDefault(args.path("handle").asLong(), new byte[0]);
                files.put(args.path("handle").asLong(), new byte[0]);
                return JSON.createObjectNode().put("count", content.length).put("buf-b64", Base64.getEncoder().encodeToString(content))
                        .put("eof", true);
            }
            case "guest-file-write":
                return JSON.createObjectNode().put("count", Base64.getDecoder().decode(args.path("buf-b64").asText()).length).put("eof", false);
            case "guest-file-close":
                files.remove(args.path("handle").asLong());
                return JSON.createObjectNode();
            case "guest-set-time":
                g.clockSet = true;
                return JSON.createObjectNode();
            default:
                throw new WireCommandException(command, null, "CommandNotFound", "The command " + command + " has not been found", null);
        }
    }

    private JsonNode freeze(String command, List<String> mountpoints, Duration timeout) {
        machine.guest.frozen.addAll(mountpoints);
        world.event(machine + " froze " + mountpoints);
        if (world.scriptOf(machine).freezeReplyLost) {
            throw new WireTimeoutException(command, timeout, "no reply from the guest agent");
        }
        return JSON.getNodeFactory().numberNode(mountpoints.size());
    }

    private JsonNode fsinfo() {
        ArrayNode all = JSON.createArrayNode();
        ObjectNode root = all.addObject().put("mountpoint", "/").put("type", "ext4");
        root.putArray("disk").addObject().put("dev", "/dev/vda").put("serial", "system-0");
        if (machine.guest.dataMounted) {
            ObjectNode data = all.addObject().put("mountpoint", "/data").put("type", "ext4");
            data.putArray("disk").addObject().put("dev", "/dev/vdb").put("serial", world.spec(machine.vm).persistentDisk().serial());
        }
        all.addObject().put("mountpoint", "/proc").put("type", "proc").putArray("disk");
        return all;
    }

    private byte[] file(String path) {
        String content = switch (path) {
            case "/proc/sys/kernel/random/boot_id" -> machine.guest.bootId + "\n";
            case "/etc/os-release" -> "VERSION_ID=\"g" + machine.generation + "\"\n";
            case "/sys/block/vda/serial" -> "system-0\n";
            case "/sys/block/vdb/serial" -> world.spec(machine.vm).persistentDisk().serial() + "\n";
            default -> throw new WireCommandException("guest-file-open", null, "GenericError", "failed to open file '" + path + "': No such file or directory", null);
        };
        return content.getBytes(StandardCharsets.UTF_8);
    }

    // ---- programs -----------------------------------------------------------------------------------

    private long start(ObjectNode args) {
        List<String> argv = new ArrayList<>();
        argv.add(args.path("path").asText());
        args.path("arg").forEach(a -> argv.add(a.asText()));
        Guest.Program program = program(argv);
        Guest g = machine.guest;
        long pid = g.nextPid++;
        Guest.GuestProcess p = new Guest.GuestProcess(pid, argv, program);
        g.processes.put(pid, p);
        p.exit = program.look(machine, p).orElse(null);
        return pid;
    }

    private JsonNode status(long pid) {
        Guest.GuestProcess p = machine.guest.processes.get(pid);
        if (p == null) {
            throw new WireCommandException("guest-exec-status", null, "GenericError", "Invalid parameter 'pid'", null);
        }
        if (p.exit == null) {
            p.exit = p.program.look(machine, p).orElse(null);
        }
        ObjectNode s = JSON.createObjectNode().put("exited", p.exit != null);
        if (p.exit != null) {
            if (p.exit.signal() != 0) {
                s.put("signal", p.exit.signal());
            } else {
                s.put("exitcode", p.exit.code());
            }
            s.put("out-data", b64(p.exit.out())).put("err-data", b64(p.exit.err()));
        }
        return s;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** What each program the specs name does in this guest. */
    private Guest.Program program(List<String> argv) {
        Script s = world.scriptOf(machine);
        String path = argv.get(0);
        return switch (path) {
            case "sync", "/bin/sync", "/bin/true" -> done(Guest.Exit.ok(""));
            case "/bin/false" -> done(new Guest.Exit(1, 0, "", ""));
            case "/bin/sh" -> shell(argv, s);
            case "kill" -> done(kill(argv));
            case "wget" -> (m, p) -> Optional.of(m.guest.fate == Fate.NOT_READY ? new Guest.Exit(4, 0, "", "wget: server returned error")
                    : Guest.Exit.ok("it works: generation " + m.generation));
            case GuestPaths.READY -> (m, p) -> Optional.of(m.guest.fate == Fate.NOT_READY ? Guest.Exit.failed("degraded") : Guest.Exit.ok("running"));
            case GuestPaths.INSTALL -> done(s.installFails ? Guest.Exit.failed("E: Unable to fetch some archives") : Guest.Exit.ok("updated"));
            case GuestPaths.RELEASE -> release(s);
            case GuestPaths.ATTACH -> attach(s);
            case KeepGuest.PATH -> {
                if (s.keptServices == null) {
                    throw new WireCommandException("guest-exec", null, "GenericError",
                            "Guest agent command failed, error was 'Failed to execute child process \u201c" + path + "\u201d (No such file or directory)'", null);
                }
                yield KeepGuest.program(world, argv);
            }
            case GuestPaths.KEXEC -> (m, p) -> {
                restart("kexec_core: Starting new kernel");
                return Optional.of(Guest.Exit.ok(""));
            };
            default -> throw new WireCommandException("guest-exec", null, "GenericError",
                    "Guest agent command failed, error was 'Failed to execute child process \u201c" + path + "\u201d (No such file or directory)'", null);
        };
    }

    /**
     * The two shell scripts bgreboot runs in a guest, told apart by what they read: dpkg's locks in
     * /proc/locks (exit 0 and the lock file while dpkg works), and what is installed (its lines).
     */
    private Guest.Program shell(List<String> argv, Script s) {
        String script = argv.size() == 3 && argv.get(1).equals("-c") ? argv.get(2) : "";
        if (script.contains("/proc/locks")) {
            return (m, p) -> {
                synchronized (s) {
                    if (s.dpkgBusyLooks > 0) {
                        s.dpkgBusyLooks--;
                        return Optional.of(Guest.Exit.ok("/var/lib/dpkg/lock-frontend\n"));
                    }
                    if (s.dpkgAtTheCut && world.cutDone(m)) {
                        return Optional.of(Guest.Exit.ok("/var/lib/dpkg/lock\n"));
                    }
                }
                return Optional.of(new Guest.Exit(1, 0, "", ""));
            };
        }
        if (script.contains("uname -r")) {
            return done(Guest.Exit.ok(s.installed));
        }
        throw new WireCommandException("guest-exec", null, "GenericError", "a shell script this guest does not know: " + script, null);
    }

    private static Guest.Program done(Guest.Exit e) {
        return (m, p) -> Optional.of(e);
    }

    private Guest.Exit kill(List<String> argv) {
        Guest.GuestProcess target = machine.guest.processes.get(Long.parseLong(argv.get(argv.size() - 1)));
        if (target == null || target.exit != null) {
            return Guest.Exit.failed("kill: no such process");
        }
        target.exit = new Guest.Exit(-1, 9, "", "");
        world.event(machine + ": " + String.join(" ", target.argv) + " killed");
        return Guest.Exit.ok("");
    }

    /** The release hook: the services stop, the disk is unmounted (everything acknowledged is on it already). */
    private Guest.Program release(Script s) {
        return (m, p) -> {
            if (s.releaseHookHangs) {
                return Optional.empty();
            }
            if (s.releaseHookFails) {
                return Optional.of(Guest.Exit.failed("umount: /data: target is busy"));
            }
            m.guest.dataMounted = false;
            world.event(m + " released the persistent disk (hook)");
            return Optional.of(Guest.Exit.ok(""));
        };
    }

    /**
     * The attach hook: waits for the disk to appear, then mounts it and starts what uses it. It
     * gives up after a while without a disk; a scripted failure is a mount that fails.
     */
    private Guest.Program attach(Script s) {
        return (m, p) -> {
            if (m.guest.dataMounted) {
                return Optional.of(Guest.Exit.ok("already mounted"));
            }
            if (!m.attached) {
                return p.runningMs() > s.attachWaitMs ? Optional.of(Guest.Exit.failed("no disk appeared")) : Optional.empty();
            }
            if (p.markNanos == 0) {
                p.markNanos = System.nanoTime();
            }
            if ((System.nanoTime() - p.markNanos) / 1_000_000 < s.attachMs) {
                return Optional.empty();
            }
            if (s.attachHookFailures > 0) {
                s.attachHookFailures--;
                return Optional.of(Guest.Exit.failed("mount: /data: wrong fs type, bad option, bad superblock"));
            }
            world.mount(m);
            world.event(m + " mounted the persistent disk (attach hook)");
            return Optional.of(Guest.Exit.ok(""));
        };
    }
}
