package org.bgreboot.vm;

import java.time.Duration;
import java.util.Optional;
import org.bgreboot.Sleep;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.qmp.QmpClient;

/**
 * One running QEMU process of a VM, with lazily opened QMP and guest-agent connections. Closing it
 * closes the connections, not the process.
 */
public final class QemuProcess implements AutoCloseable {
    private final long pid;
    private final RuntimeDir runtime;
    private final Accel accel;
    private QmpClient qmp;
    private GuestAgent agent;

    public QemuProcess(long pid, RuntimeDir runtime, Accel accel) {
        this(pid, runtime, accel, null);
    }

    /** With the QMP connection the launcher opened to see QEMU start. */
    public QemuProcess(long pid, RuntimeDir runtime, Accel accel, QmpClient qmp) {
        this.pid = pid;
        this.runtime = runtime;
        this.accel = accel;
        this.qmp = qmp;
    }

    /** The process of a runtime directory, if its pid file names a live QEMU using that directory. */
    public static Optional<QemuProcess> find(RuntimeDir r, Accel accel) {
        try {
            long pid = Long.parseLong(java.nio.file.Files.readString(r.pidFile()).trim());
            if (Liveness.alive(pid) && Liveness.cmdline(pid).contains(r.qmpSocket().toString())) {
                return Optional.of(new QemuProcess(pid, r, accel));
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // no pid file or garbage: nothing running there
        }
        return Optional.empty();
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

    public boolean alive() {
        return Liveness.alive(pid);
    }

    public synchronized QmpClient qmp() {
        if (qmp == null || !qmp.isConnected()) {
            qmp = QmpClient.connect(runtime.qmpSocket(), Duration.ofSeconds(10));
        }
        return qmp;
    }

    public synchronized GuestAgent agent() {
        if (agent == null || !agent.isConnected()) {
            agent = GuestAgent.connect(runtime.agentSocket(), Duration.ofSeconds(10));
        }
        return agent;
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
    public void kill() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        if (!awaitExit(Duration.ofSeconds(10))) {
            throw new IllegalStateException("QEMU pid " + pid + " is still there 10 s after SIGKILL");
        }
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
