package org.bgreboot.engine.libvirt;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.bgreboot.Sleep;
import org.bgreboot.engine.LifecycleWatch;
import org.libvirt.event.CrashedDetail;
import org.libvirt.event.DomainEvent;
import org.libvirt.event.SuspendedDetail;

/**
 * libvirt's lifecycle events that mean a guest will never become ready: it crashed (pvpanic),
 * shut down, was stopped or destroyed, or was paused on a failed disk write; and the domain no
 * longer running at all.
 */
final class DomainWatch implements LifecycleWatch {
    private static final long EVENT_GRACE_NANOS = 2_000_000_000L;
    private final DomainInstance instance;
    private final AtomicReference<String> fatal = new AtomicReference<>();
    private final AutoCloseable subscription;

    DomainWatch(DomainInstance instance, LifecycleEvents events) {
        this.instance = instance;
        this.subscription = events.watch(instance.name(), this::seen);
    }

    private void seen(DomainEvent e) {
        Object d = e.getDetail();
        String detail = String.valueOf(d).toLowerCase(java.util.Locale.ROOT);
        switch (e.getType()) {
            case CRASHED -> fatal.compareAndSet(null, d == CrashedDetail.PANICKED ? "the guest kernel panicked (pvpanic)" : "the guest crashed (" + detail + ")");
            case SHUTDOWN -> fatal.compareAndSet(null, "the guest shut down or rebooted (" + detail + ")");
            case STOPPED -> fatal.compareAndSet(null, "domain " + instance.name() + " stopped (" + detail + ")");
            case SUSPENDED -> {
                if (d == SuspendedDetail.IOERROR) {
                    fatal.compareAndSet(null, "a disk write of the guest failed, and libvirt paused it");
                }
            }
            default -> { }
        }
    }

    @Override public Optional<String> fatal() {
        String reason = fatal.get();
        if (reason == null && !instance.alive()) {
            // the domain's end and the event that says why arrive separately (a panicked clone is
            // destroyed at once): give the event a moment before saying only that it is gone
            long until = System.nanoTime() + EVENT_GRACE_NANOS;
            while (fatal.get() == null && System.nanoTime() < until) {
                Sleep.ms(10);
            }
            reason = fatal.get() != null ? fatal.get() : "domain " + instance.name() + " is no longer running";
        }
        return Optional.ofNullable(reason);
    }

    @Override public void close() {
        try {
            subscription.close();
        } catch (Exception e) {
            // nothing held
        }
    }
}
