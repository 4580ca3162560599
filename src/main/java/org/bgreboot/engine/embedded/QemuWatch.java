package org.bgreboot.engine.embedded;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.bgreboot.engine.LifecycleWatch;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.qmp.Subscription;

/**
 * QMP's events that mean a guest will never become ready: GUEST_PANICKED, SHUTDOWN, and a disk
 * write failure that made QEMU stop the guest; and the process's exit.
 */
final class QemuWatch implements LifecycleWatch {
    private final QemuProcess process;
    private final AtomicReference<String> fatal = new AtomicReference<>();
    private final Subscription subscription;

    QemuWatch(QemuProcess process) {
        this.process = process;
        this.subscription = subscribe(process);
    }

    /** Nothing to hear from a QEMU that has exited (killed while the wait began): {@link #fatal} says it exited. */
    private Subscription subscribe(QemuProcess process) {
        try {
            return listen(process);
        } catch (WireDisconnectedException e) {
            if (process.alive()) {
                throw e;
            }
            return () -> { };
        }
    }

    private Subscription listen(QemuProcess process) {
        return process.qmp().onEvent(e -> {
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

    @Override public Optional<String> fatal() {
        String reason = fatal.get();
        if (reason == null && !process.alive()) {
            reason = "its QEMU process " + process.pid() + " exited";
        }
        return Optional.ofNullable(reason);
    }

    @Override public void close() {
        subscription.close();
    }
}
