package org.bgreboot.ready;

import java.util.concurrent.atomic.AtomicReference;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.qmp.QmpClient;
import org.bgreboot.qmp.Subscription;
import org.bgreboot.vm.QemuProcess;
import org.bgreboot.vm.RuntimeDir;

/**
 * A booting guest seen by readiness checks. It watches QMP for the events that mean the guest will
 * never become ready (GUEST_PANICKED, SHUTDOWN) so waiting fails fast instead of at the timeout.
 */
public final class ReadyTarget implements AutoCloseable {
    private final QemuProcess process;
    private final AtomicReference<String> fatal = new AtomicReference<>();
    private final Subscription subscription;
    private final long serialStart;

    /** A QEMU started in a runtime directory of its own: its whole serial log is this boot's. */
    public ReadyTarget(QemuProcess process) {
        this(process, 0);
    }

    /**
     * @param serialStart where this boot's console output begins in the serial log: a guest that
     *     reboots in place appends to the same log, and its ready line may come before we look
     */
    public ReadyTarget(QemuProcess process, long serialStart) {
        this.process = process;
        this.serialStart = serialStart;
        QmpClient qmp = process.qmp();
        this.subscription = qmp.onEvent(e -> {
            switch (e.name()) {
                case "GUEST_PANICKED" -> fatal.compareAndSet(null, "the guest kernel panicked (pvpanic)");
                case "SHUTDOWN" -> fatal.compareAndSet(null, "the guest shut down or reset ("
                        + e.data().path("reason").asText("unknown reason") + ")");
                // QEMU stops a guest whose disk write failed (werror=enospc): it would wait forever;
                // an error only reported to the guest is the guest's to handle
                case "BLOCK_IO_ERROR" -> {
                    if ("stop".equals(e.data().path("action").asText())) {
                        fatal.compareAndSet(null, "a disk write of the guest failed ("
                                + (e.data().path("nospace").asBoolean() ? "no space left on the host" : e.data().path("reason").asText("I/O error"))
                                + "), and QEMU stopped it");
                    }
                }
                default -> { }
            }
        });
    }

    public RuntimeDir runtime() {
        return process.runtime();
    }

    /** The serial log's length when waiting began: lines before it belong to an earlier boot. */
    public long serialStart() {
        return serialStart;
    }

    public GuestAgent agent() {
        return process.agent();
    }

    /** Throws when the guest can no longer become ready. */
    public void ensureAlive() {
        String reason = fatal.get();
        if (reason != null) {
            throw new GuestFailedException(reason);
        }
        if (!process.alive()) {
            throw new GuestFailedException("its QEMU process " + process.pid() + " exited");
        }
    }

    @Override public void close() {
        subscription.close();
    }
}
