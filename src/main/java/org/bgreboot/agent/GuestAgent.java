package org.bgreboot.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bgreboot.jsonwire.JsonSocket;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireException;
import org.bgreboot.jsonwire.WireProtocolException;
import org.bgreboot.jsonwire.WireTimeoutException;

/**
 * What bgreboot asks of qemu-guest-agent, typed: run programs, freeze and thaw filesystems, read
 * and write files, set the clock, shut down. The requests travel over an {@link AgentChannel} that
 * the engine provides; every call resynchronises it first when needed.
 */
public final class GuestAgent implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Bytes per guest-file-write/read request (1.4 MB of base64, far under the agent's limits). */
    static final int FILE_CHUNK = 1 << 20;

    private static final Set<String> SHUTDOWN_MODES = Set.of("powerdown", "reboot", "halt");
    private static final long FIRST_POLL_MILLIS = 5;
    private static final long MAX_POLL_MILLIS = 50;
    /**
     * A status poll near the deadline still gets this long to be answered: a reply left in
     * flight would cost a resync on the next (latency-critical) call.
     */
    private static final Duration MIN_POLL_BUDGET = Duration.ofMillis(250);
    private final AgentChannel channel;

    public GuestAgent(AgentChannel channel) {
        this.channel = channel;
    }

    /**
     * Connects to the agent's chardev socket, retrying until it accepts within {@code timeout}.
     * It does not wait for the agent: use {@link #ping} or {@link #sync} for that.
     *
     * @throws WireDisconnectedException when the socket did not accept in time
     */
    public static GuestAgent connect(Path socket, Duration timeout) {
        return new GuestAgent(SocketAgentChannel.connect(socket, timeout));
    }

    /** Returns once the agent answers and no stale reply is pending. */
    public void sync(Duration timeout) {
        channel.sync(timeout);
    }

    /** Succeeds when the agent answers; the readiness check for "agent is up". */
    public void ping(Duration timeout) {
        call("guest-ping", null, timeout);
    }

    /** The commands the agent allows ({@code guest-info}'s supported commands that are enabled). */
    public Set<String> enabledCommands() {
        Set<String> enabled = new java.util.TreeSet<>();
        for (JsonNode c : call("guest-info", null, DEFAULT_TIMEOUT).path("supported_commands")) {
            if (c.path("enabled").asBoolean()) {
                enabled.add(c.path("name").asText());
            }
        }
        return enabled;
    }

    /** The agent's version, e.g. "7.2.22". */
    public String info() {
        return call("guest-info", null, DEFAULT_TIMEOUT).path("version").asText();
    }

    public ExecResult exec(List<String> argv, Duration timeout) {
        return exec(argv, null, timeout);
    }

    /**
     * Runs a program in the guest, argv[0] being its path, and waits for it to finish: there is
     * no shell, so nothing in argv is interpreted. Polls {@code guest-exec-status} from 5 ms,
     * backing off to 50 ms, since this runs on latency-critical paths.
     *
     * @param stdin bytes for the program's standard input, or null for none
     * @throws WireTimeoutException naming argv when it has not finished within {@code timeout}
     *     (or up to 250 ms later when the agent stops answering polls); the program keeps running
     *     in the guest (the agent of QEMU 7.2 cannot kill it)
     * @throws WireCommandException when the agent cannot start it (e.g. no such file)
     */
    public ExecResult exec(List<String> argv, byte[] stdin, Duration timeout) {
        long deadline = deadline(timeout);
        RunningCommand started = start(argv, stdin, timeout);
        return started.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), timeout, MAX_POLL_MILLIS);
    }

    /**
     * Starts a program in the guest and returns at once: the switch arms the attach hook this way
     * before the disk it waits for is plugged, so the hook's start-up is off the downtime path.
     */
    public RunningCommand start(List<String> argv, Duration timeout) {
        return start(argv, null, timeout);
    }

    private RunningCommand start(List<String> argv, byte[] stdin, Duration timeout) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("guest-exec needs a program");
        }
        ObjectNode args = JsonSocket.MAPPER.createObjectNode().put("path", argv.get(0));
        ArrayNode rest = args.putArray("arg");
        argv.subList(1, argv.size()).forEach(rest::add);
        args.put("capture-output", true);
        if (stdin != null) {
            args.put("input-data", Base64.getEncoder().encodeToString(stdin));
        }
        long pid = call("guest-exec", args, timeout).path("pid").asLong();
        return new RunningCommand(pid, "guest-exec " + argv);
    }

    /** A program started by {@link #start} (or {@link #exec}), identified by its guest pid. */
    public final class RunningCommand {
        private final long pid;
        private final String operation;

        private RunningCommand(long pid, String operation) {
            this.pid = pid;
            this.operation = operation;
        }

        public long pid() {
            return pid;
        }

        /**
         * Waits for the program to finish, polling {@code guest-exec-status} from 5 ms, backing
         * off to 50 ms (it runs on latency-critical paths).
         */
        public ExecResult await(Duration timeout) {
            return await(timeout, timeout, MAX_POLL_MILLIS);
        }

        /**
         * The same, polling at least every {@code maxPollMillis}: for a command expected to finish
         * any moment, on the downtime path, where a 50 ms back-off would be 50 ms of downtime.
         */
        public ExecResult await(Duration timeout, long maxPollMillis) {
            return await(timeout, timeout, maxPollMillis);
        }

        /** One look: the result once the program has finished, else null (after a pause of up to 200 ms). */
        public ExecResult poll(Duration requestTimeout) {
            JsonNode status = call("guest-exec-status", JsonSocket.MAPPER.createObjectNode().put("pid", pid), requestTimeout);
            if (status.path("exited").asBoolean()) {
                return toResult(status);
            }
            sleep(200, operation);
            return null;
        }

        private ExecResult await(Duration timeout, Duration reported, long maxPollMillis) {
            long deadline = deadline(timeout);
            ObjectNode statusArgs = JsonSocket.MAPPER.createObjectNode().put("pid", pid);
            long pause = FIRST_POLL_MILLIS;
            try {
                while (true) {
                    JsonNode status = call("guest-exec-status", statusArgs, atLeast(remaining(deadline), MIN_POLL_BUDGET));
                    if (status.path("exited").asBoolean()) {
                        return toResult(status);
                    }
                    long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (leftMillis > 0) {
                        sleep(Math.min(pause, leftMillis), operation);
                    }
                    if (deadline - System.nanoTime() <= 0) { // no poll without time left for its answer
                        throw new WireTimeoutException(operation, reported, "not finished");
                    }
                    pause = Math.min(maxPollMillis, pause * 3 / 2 + 1);
                }
            } catch (WireTimeoutException e) {
                if (operation.equals(e.operation())) {
                    throw e;
                }
                throw new WireTimeoutException(operation, reported, "no reply from the guest agent to " + e.operation());
            }
        }
    }

    /** Freezes the guest's filesystems; returns how many. They stay frozen until thawed, even on timeout. */
    public int fsfreezeFreeze(Duration timeout) {
        return call("guest-fsfreeze-freeze", null, timeout).asInt();
    }

    /**
     * Freezes only the filesystems mounted at these mountpoints (the clone freezes the system
     * disk's, not the persistent disk the service keeps writing to).
     */
    public int fsfreezeFreeze(List<String> mountpoints, Duration timeout) {
        ObjectNode args = JsonSocket.MAPPER.createObjectNode();
        mountpoints.forEach(args.putArray("mountpoints")::add);
        return call("guest-fsfreeze-freeze-list", args, timeout).asInt();
    }

    /**
     * The guest's mounted filesystems with the serials of the disks under them
     * ({@code guest-get-fsinfo}): how the host tells system-disk mounts from the persistent disk.
     */
    public List<MountedFs> fsInfo(Duration timeout) {
        List<MountedFs> out = new java.util.ArrayList<>();
        for (JsonNode fs : call("guest-get-fsinfo", null, timeout)) {
            List<MountedFs.Disk> disks = new java.util.ArrayList<>();
            fs.path("disk").forEach(d -> disks.add(new MountedFs.Disk(d.path("dev").asText(null), d.path("serial").asText(null))));
            out.add(new MountedFs(fs.path("mountpoint").asText(), fs.path("type").asText(), disks));
        }
        return out;
    }

    /** The guest's block devices by name ({@code guest-get-disks}), e.g. /dev/vda. */
    public java.util.Set<String> diskNames(Duration timeout) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        call("guest-get-disks", null, timeout).forEach(d -> names.add(d.path("name").asText()));
        return names;
    }

    /** The name of the guest's network interface with this MAC ({@code guest-network-get-interfaces}), if it has one. */
    public java.util.Optional<String> interfaceWithMac(String mac, Duration timeout) {
        for (JsonNode i : call("guest-network-get-interfaces", null, timeout)) {
            if (mac.equalsIgnoreCase(i.path("hardware-address").asText())) {
                return java.util.Optional.of(i.path("name").asText());
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Whether the guest's kernel has the interface's link up: its operstate, which the kernel sets
     * in the same step that starts the interface's transmit queue once the carrier has come
     * ("unknown": a driver that does not say, taken as up).
     */
    public boolean linkUp(String iface, Duration timeout) {
        String state = new String(readFile("/sys/class/net/" + iface + "/operstate", timeout), java.nio.charset.StandardCharsets.US_ASCII).strip();
        return state.equals("up") || state.equals("unknown");
    }

    /** Thaws the guest's filesystems; returns how many were thawed. */
    public int fsfreezeThaw(Duration timeout) {
        return call("guest-fsfreeze-thaw", null, timeout).asInt();
    }

    public FsFreezeStatus fsfreezeStatus(Duration timeout) {
        String status = call("guest-fsfreeze-status", null, timeout).asText();
        try {
            return FsFreezeStatus.valueOf(status.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new WireProtocolException("guest-fsfreeze-status: unknown status", status);
        }
    }

    /** Sets the guest's clock (and, in the agent, its hardware clock where the guest has hwclock). */
    public void setTime(Instant time) {
        settingTime(() -> call("guest-set-time", JsonSocket.MAPPER.createObjectNode().put("time", nanos(time)), DEFAULT_TIMEOUT));
    }

    /** Sets the guest's clock to the host's, read after any resynchronisation so it is not stale. */
    public void setTimeFromHost() {
        settingTime(() -> channel.call("guest-set-time", () -> JsonSocket.MAPPER.createObjectNode().put("time", nanos(Instant.now())), DEFAULT_TIMEOUT));
    }

    /**
     * The agent sets the system clock first, then runs {@code hwclock} to copy it to the hardware
     * clock: a guest without hwclock (Debian 13 has it in util-linux-extra, not installed by
     * default) answers with an error though its clock is set. The system clock is what matters.
     */
    private static void settingTime(Runnable set) {
        try {
            set.run();
        } catch (WireCommandException e) {
            if (!(e.desc() != null && e.desc().contains("hardware clock") && e.desc().contains("hwclock"))) {
                throw e;
            }
        }
    }

    /**
     * Asks the guest to power down, reboot or halt. The agent sends no reply when it succeeds,
     * so this returns once the request is sent (after a resync if one was due, which proves the
     * agent was there); watch QEMU (SHUTDOWN event, process exit) to know it happened.
     *
     * @param mode "powerdown", "reboot" or "halt"
     */
    public void shutdown(String mode) {
        if (!SHUTDOWN_MODES.contains(mode)) {
            throw new IllegalArgumentException("guest-shutdown mode must be one of " + SHUTDOWN_MODES + ", not " + mode);
        }
        channel.send("guest-shutdown", JsonSocket.MAPPER.createObjectNode().put("mode", mode), DEFAULT_TIMEOUT);
    }

    public void writeFile(String guestPath, InputStream data) {
        writeFile(guestPath, data, DEFAULT_TIMEOUT);
    }

    /**
     * Writes {@code data} to a file in the guest, creating or truncating it, in 1 MiB requests.
     *
     * @param requestTimeout the timeout of each request, not of the whole transfer
     */
    public void writeFile(String guestPath, InputStream data, Duration requestTimeout) {
        long handle = openFile(guestPath, "w", requestTimeout);
        try {
            byte[] chunk = new byte[FILE_CHUNK];
            int length;
            while ((length = data.readNBytes(chunk, 0, chunk.length)) > 0) {
                writeChunk(guestPath, handle, chunk, length, requestTimeout);
            }
        } catch (IOException e) {
            WireException failure = new WireException("writing " + guestPath + ": cannot read the data: " + e.getMessage(), e);
            closeFile(handle, failure);
            throw failure;
        } catch (RuntimeException e) {
            closeFile(handle, e);
            throw e;
        }
        closeFile(handle, null);
    }

    public byte[] readFile(String guestPath) {
        return readFile(guestPath, DEFAULT_TIMEOUT);
    }

    /** Reads a whole file from the guest in 1 MiB requests, each with {@code requestTimeout}. */
    public byte[] readFile(String guestPath, Duration requestTimeout) {
        long handle = openFile(guestPath, "r", requestTimeout);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        try {
            ObjectNode args = JsonSocket.MAPPER.createObjectNode().put("handle", handle).put("count", FILE_CHUNK);
            while (true) {
                JsonNode read = call("guest-file-read", args, requestTimeout);
                byte[] bytes = decode("guest-file-read", read.path("buf-b64").asText(""));
                content.writeBytes(bytes);
                if (read.path("eof").asBoolean() || bytes.length == 0) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            closeFile(handle, e);
            throw e;
        }
        closeFile(handle, null);
        return content.toByteArray();
    }

    public boolean isConnected() {
        return channel.isConnected();
    }

    /** Closes the channel; a call waiting for a reply fails with {@link WireDisconnectedException}. Idempotent. */
    @Override
    public void close() {
        channel.close();
    }

    private long openFile(String guestPath, String mode, Duration timeout) {
        ObjectNode args = JsonSocket.MAPPER.createObjectNode().put("path", guestPath).put("mode", mode);
        return call("guest-file-open", args, timeout).asLong();
    }

    private void writeChunk(String guestPath, long handle, byte[] chunk, int length, Duration timeout) {
        int offset = 0;
        while (offset < length) {
            String base64 = Base64.getEncoder().encodeToString(Arrays.copyOfRange(chunk, offset, length));
            ObjectNode args = JsonSocket.MAPPER.createObjectNode().put("handle", handle).put("buf-b64", base64);
            int written = call("guest-file-write", args, timeout).path("count").asInt();
            if (written <= 0) {
                throw new WireException("guest-file-write: " + guestPath + ": the agent wrote nothing");
            }
            offset += written;
        }
    }

    /** Closes a guest file handle; a failure is added to {@code primary} when there is one. */
    private void closeFile(long handle, Throwable primary) {
        try {
            call("guest-file-close", JsonSocket.MAPPER.createObjectNode().put("handle", handle), DEFAULT_TIMEOUT);
        } catch (WireException e) {
            if (primary == null) {
                throw e;
            }
            primary.addSuppressed(e);
        }
    }

    private static ExecResult toResult(JsonNode status) {
        JsonNode signal = status.get("signal");
        boolean killed = signal != null && signal.asInt() != 0;
        return new ExecResult(
                killed ? -1 : status.path("exitcode").asInt(),
                killed ? signal.asInt() : 0,
                decode("guest-exec-status", status.path("out-data").asText("")),
                decode("guest-exec-status", status.path("err-data").asText("")),
                status.path("out-truncated").asBoolean() || status.path("err-truncated").asBoolean());
    }

    private static byte[] decode(String command, String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new WireProtocolException(command + ": bad base64 (" + e.getMessage() + ")", base64);
        }
    }

    private JsonNode call(String command, ObjectNode arguments, Duration timeout) {
        return channel.call(command, arguments, timeout);
    }

    private static long nanos(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    private static Duration atLeast(Duration duration, Duration floor) {
        return duration.compareTo(floor) < 0 ? floor : duration;
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static void sleep(long millis, String operation) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WireException(operation + ": interrupted", e);
        }
    }
}
