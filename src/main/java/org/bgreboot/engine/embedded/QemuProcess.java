package org.bgreboot.engine.embedded;

import java.time.Duration;
import java.util.Optional;
import org.bgreboot.Sleep;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.Console;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.Drain;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.LifecycleWatch;
import org.bgreboot.engine.StateSaving;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.spec.VmSpec;

/**
 * One running QEMU process of a VM, an {@link Instance} of the embedded engine, with lazily opened
 * QMP and guest-agent connections. Closing it closes the connections, not the process.
 */
public final class QemuProcess implements Instance {
    private final long pid;
    private final RuntimeDir runtime;
    private final Accel accel;
    private final VmSpec spec;
    private final QemuStateSaving saving;
    private QmpClient qmp;
    private GuestAgent agent;
    private Optional<CpuCap> cap;

    /** @param spec what the process was started with: its disks, network and machine */
    QemuProcess(long pid, RuntimeDir runtime, Accel accel, VmSpec spec, QemuStateSaving saving, QmpClient qmp) {
        this.pid = pid;
        this.runtime = runtime;
        this.accel = accel;
        this.spec = spec;
        this.saving = saving;
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

    /** Waits for the process to end; true if it did within the timeout. */
    public boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (alive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Sleep.ms(1); // on the switch path: every millisecond here is downtime
        }
        return true;
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

    @Override public void share(CpuShare share) {
        if (share == CpuShare.NORMAL) {
            CpuCap.dissolve(capName()); // a ceiling a governor (of this bgreboot or a killed one) left
            cap = null;
            Priority.restoreNormal(pid);
        } else {
            Priority.idle(pid, spec.cpus());
        }
    }

    /** Every thread's time on a CPU so far, from /proc/PID/task/TID/schedstat (ns, not 10-ms ticks). */
    @Override public java.util.OptionalLong cpuTimeNanos() {
        long total = 0;
        try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/" + pid + "/task"))) {
            for (java.nio.file.Path t : tasks.toList()) {
                try {
                    total += Long.parseLong(java.nio.file.Files.readString(t.resolve("schedstat")).split(" ")[0]);
                } catch (java.io.IOException | NumberFormatException e) {
                    // a thread that ended meanwhile
                }
            }
            return java.util.OptionalLong.of(total);
        } catch (java.io.IOException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /** Caps the vCPU threads only: the main loop (QMP, the agent's chardev, disk I/O) stays free. */
    @Override public synchronized boolean capCpu(double fraction) {
        if (cap == null) {
            java.util.List<Long> vcpus = new java.util.ArrayList<>();
            qmp().execute("query-cpus-fast").forEach(c -> vcpus.add(c.path("thread-id").asLong()));
            cap = CpuCap.of(capName(), vcpus);
        }
        cap.ifPresent(c -> c.set(fraction));
        return cap.isPresent();
    }

    /** Bytes this process has read from storage (not the page cache), /proc/PID/io. */
    @Override public java.util.OptionalLong storageReadBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/io"))) {
                if (line.startsWith("read_bytes:")) {
                    return java.util.OptionalLong.of(Long.parseLong(line.substring(11).strip()));
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // gone
        }
        return java.util.OptionalLong.empty();
    }

    private String capName() {
        return "bgreboot-" + spec.name() + "-" + runtime.dir().getFileName();
    }

    /** Asked on the second monitor, which no reboot holds (QEMU serves one client per monitor). */
    @Override public String runState() {
        try (QmpClient observer = QmpClient.connect(runtime.observerSocket(), Duration.ofSeconds(5))) {
            return observer.execute("query-status").path("status").asText();
        }
    }

    @Override public java.util.Map<String, String> details() {
        java.util.Map<String, String> d = new java.util.LinkedHashMap<>();
        LaunchRecord.read(runtime).ifPresent(l -> {
            d.put("accelerator", l.accel().qemuName() + " (" + l.accelReason() + ")");
            d.put("generation", String.valueOf(l.state().generation()));
            d.put("uptime", (System.currentTimeMillis() - l.startedAtEpochMs()) / 1000 + " s");
            d.put("persistent disk", l.spec().persistentDisk().path() + " (serial " + l.spec().persistentDisk().serial() + ")");
        });
        return d;
    }

    @Override public String cpuPolicy() {
        return Priority.policy(pid) + " on CPU " + Priority.cpus(pid);
    }

    @Override public boolean persistentDiskPlugged() {
        return PersistentDiskPlug.plugged(qmp());
    }

    /** Whether the persistent disk's device is there already (the serving VM's, or a clone's placeholder). */
    boolean persistentDevicePresent() {
        return PersistentDiskPlug.devicePresent(qmp());
    }

    @Override public String plugPersistentDisk() {
        return PersistentDiskPlug.plug(qmp(), spec);
    }

    @Override public void isolateNetwork() {
        network().isolate(qmp());
    }

    /** What can be done for the network before the switch without anyone reaching the clone. */
    void prepareNetwork() {
        network().prepare(qmp());
    }

    @Override public void takeNetwork() {
        network().take(qmp());
    }

    @Override public void releaseNetwork() {
        network().release(qmp());
    }

    @Override public void handOverNetwork() {
        network().handOver(qmp());
    }

    /** On a bridge, until its tap has been quiet (see {@link Drain}); under user networking FG's open connections stay its own anyway. */
    @Override public void drain() {
        GuestNetwork n = network();
        Drain.untilQuiet(() -> n.transmitted(pid));
    }

    /** This process's side of the network: its tap (its generation's) on a bridge, or user networking. */
    private GuestNetwork network() {
        if (!spec.network().bridged()) {
            return new UserNetwork(spec.network());
        }
        int generation = LaunchRecord.read(runtime).map(l -> l.state().generation()).orElseThrow(() ->
                new IllegalStateException("the launch record of " + runtime.dir() + " is missing: its tap is unknown"));
        return new BridgeNetwork(spec.network(), Taps.name(spec, generation));
    }

    @Override public Optional<StateSaving> stateSaving() {
        StateSaving s = timeout -> saving.saveAndRestore(this);
        return Optional.of(s);
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
