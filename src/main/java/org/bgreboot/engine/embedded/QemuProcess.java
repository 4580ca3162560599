package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.bgreboot.Sleep;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.Console;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.LifecycleWatch;
import org.bgreboot.engine.PowerOffRequest;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running QEMU process of a VM, an {@link Instance} of the embedded engine, with lazily opened
 * QMP and guest-agent connections. Closing it closes the connections, not the process.
 */
public final class QemuProcess implements Instance {
    private static final Logger log = LoggerFactory.getLogger(QemuProcess.class);
    private final long pid;
    private final RuntimeDir runtime;
    private final Accel accel;
    private final VmSpec spec;
    private final QemuNetwork network = new QemuNetwork(this);
    private final QemuCpu cpu = new QemuCpu(this);
    private final QemuDisk disk = new QemuDisk(this);
    private QmpClient qmp;
    private GuestAgent agent;

    /** @param spec what the process was started with: its disks, network and machine */
    QemuProcess(long pid, RuntimeDir runtime, Accel accel, VmSpec spec, QmpClient qmp) {
        this.pid = pid;
        this.runtime = runtime;
        this.accel = accel;
        this.spec = spec;
        this.qmp = qmp;
    }

    /** The process of a runtime directory, if its pid file names a live QEMU using that directory. */
    static Optional<Long> livePid(RuntimeDir r) {
        try {
            long pid = Long.parseLong(java.nio.file.Files.readString(r.pidFile()).trim());
            if (Liveness.alive(pid) && Liveness.cmdline(pid).contains(r.qmpSocket().toString())) {
                return Optional.of(pid);
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // no pid file or garbage: nothing running there
        }
        return Optional.empty();
    }

    @Override public InstanceId id() {
        return new InstanceId(runtime.dir().getFileName().toString());
    }

    @Override public String describe() {
        return "pid " + pid;
    }

    public long pid() {
        return pid;
    }

    public RuntimeDir runtime() {
        return runtime;
    }

    public Accel accel() {
        return accel;
    }

    VmSpec spec() {
        return spec;
    }

    @Override public boolean alive() {
        return Liveness.alive(pid);
    }

    public synchronized QmpClient qmp() {
        if (qmp == null || !qmp.isConnected()) {
            if (!alive()) { // nobody will ever serve its socket: no 10 s of retries for that
                throw new WireDisconnectedException("QEMU process " + pid + " has exited");
            }
            qmp = QmpClient.connect(runtime.qmpSocket(), Duration.ofSeconds(10));
        }
        return qmp;
    }

    @Override public synchronized GuestAgent agent() {
        if (agent == null || !agent.isConnected()) {
            agent = GuestAgent.connect(runtime.agentSocket(), Duration.ofSeconds(10));
        }
        return agent;
    }

    @Override public LifecycleWatch watch() {
        return new QemuWatch(this);
    }

    @Override public Console console() {
        return new SerialConsole(runtime.serialLog());
    }

    /** Asks QEMU to quit (nothing of the guest is asked); killed if it has not within {@code grace}. */
    public void quit(Duration grace) {
        try {
            qmp().execute("quit");
        } catch (RuntimeException e) {
            // no monitor to ask (it is exiting, or hung): the kill below decides
        }
        if (!awaitExit(grace)) {
            kill();
        }
    }

    /** SIGKILL, then wait for the exit (which frees its image locks and ports). */
    @Override public void kill() {
        kill(pid);
        CpuCap.dissolve(capName());
    }

    /** Every thread gone: then it holds no image, port or tap. */
    @Override public boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (alive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Sleep.ms(1); // on the switch path: every millisecond here is downtime
        }
        return true;
    }

    /**
     * SIGKILL to a QEMU, then waits until it counts as dead: until its last thread is gone, since
     * the main thread turns zombie while others still hold its image locks.
     */
    public static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Liveness.alive(pid)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("QEMU pid " + pid + " is still there 10 s after SIGKILL");
            }
            Sleep.ms(1);
        }
    }

    @Override public void resumeIfPaused() {
        if (!"running".equals(qmp().execute("query-status").path("status").asText())) {
            qmp().execute("cont");
        }
    }

    /** The agent's guest-shutdown, or QEMU's system_powerdown (the ACPI power button). */
    @Override public boolean requestPowerOff(PowerOffRequest how) {
        try {
            if (how == PowerOffRequest.AGENT) {
                agent().sync(Duration.ofSeconds(2));
                agent().shutdown("powerdown");
            } else {
                qmp().execute("system_powerdown");
            }
            return true;
        } catch (RuntimeException e) {
            log.debug("power-off by {} not delivered: {}", how, e.toString());
            return false;
        }
    }

    @Override public QemuNetwork network() {
        return network;
    }

    @Override public QemuCpu cpu() {
        return cpu;
    }

    @Override public QemuDisk persistentDisk() {
        return disk;
    }

    String capName() {
        return "bgreboot-" + spec.name() + "-" + runtime.dir().getFileName();
    }

    /** Bytes this process has read from storage (not the page cache), /proc/PID/io. */
    @Override public OptionalLong storageReadBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
                if (line.startsWith("read_bytes:")) {
                    return OptionalLong.of(Long.parseLong(line.substring(11).strip()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return OptionalLong.empty();
    }

    /** Asked on the second monitor, which no reboot holds (QEMU serves one client per monitor). */
    @Override public String runState() {
        try (QmpClient observer = QmpClient.connect(runtime.observerSocket(), Duration.ofSeconds(5))) {
            return observer.execute("query-status").path("status").asText();
        }
    }

    @Override public Map<String, String> details() {
        Map<String, String> d = new LinkedHashMap<>();
        LaunchRecord.read(runtime).ifPresent(l -> {
            d.put("accelerator", l.accel().qemuName() + " (" + l.accelReason() + ")");
            d.put("generation", String.valueOf(l.state().generation()));
            d.put("uptime", (System.currentTimeMillis() - l.startedAtEpochMs()) / 1000 + " s");
            d.put("persistent disk", l.spec().persistentDisk().path() + " (serial " + l.spec().persistentDisk().serial() + ")");
        });
        return d;
    }

    @Override public synchronized void close() {
        if (qmp != null) {
            qmp.close();
            qmp = null;
        }
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }
}
