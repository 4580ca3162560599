package org.bgreboot.engine.libvirt;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.bgreboot.Sleep;
import org.bgreboot.engine.DiskHandover;

/**
 * The old domain's end in the switch on libvirt, once armed ({@link LibvirtVm#beforeSwitch}).
 * libvirt's destroy returns only at its next check of the QEMU pid, 200 ms after it sent SIGTERM,
 * though QEMU is gone long before; so, when QEMU's image locks guard the persistent disk (a file or
 * a block device), the old domain is destroyed in the background and the hot-plug into the clone
 * is retried until the lock is free, which is the moment the old QEMU let go of the disk. A
 * network disk has no such lock: there the destroy is awaited first.
 */
final class Handover {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Handover.class);
    /** Retries of the hot-plug while the old QEMU still holds the disk's lock. */
    private static final long RETRY_MS = 2;
    private static final long LOCK_WAIT_MS = 60_000;
    private final boolean parallel;
    private final Map<String, CompletableFuture<Void>> stopping = new ConcurrentHashMap<>();
    private volatile boolean armed;
    /** What the armed switch's hot-plug needs, found before the switch: the disk's XML and who holds the disk. */
    private volatile Plug prepared;

    /** The persistent disk as the VM's definition has it, and the domains that have it open now. */
    record Plug(String diskXml, List<DomainInstance> holders) {}

    /** @param lockedDisk whether QEMU's image lock guards the persistent disk (a file or block device) */
    Handover(boolean lockedDisk) {
        this.parallel = lockedDisk && !"wait".equals(System.getenv("BGREBOOT_LIBVIRT_DESTROY"));
    }

    boolean parallel() {
        return parallel;
    }

    /**
     * The switch is near: a kill of the serving domain from now on need not wait for libvirt's
     * destroy, and the hot-plug has what it needs already (nothing is looked up during the downtime).
     */
    void arm(Plug plug) {
        prepared = plug;
        armed = true;
    }

    /** Ends a domain: in the background during an armed switch (see the class), else at once. */
    void stop(DomainInstance i) {
        CompletableFuture<Void> pending = stopping.get(i.name());
        if (pending != null) {
            if (!armed) {
                await(pending);
            }
            return;
        }
        if (armed && parallel) {
            long t0 = System.nanoTime();
            stopping.put(i.name(), CompletableFuture.runAsync(() -> {
                i.destroyNow();
                log.debug("destroy of {} returned after {} ms", i.name(), (System.nanoTime() - t0) / 1_000_000);
            }));
            return;
        }
        i.destroyNow();
    }

    /** Waits for every background destroy; the switch is over. */
    void settle() {
        armed = false;
        prepared = null;
        for (CompletableFuture<Void> f : List.copyOf(stopping.values())) {
            await(f);
        }
        stopping.clear();
    }

    /**
     * Hot-plugs the persistent disk into {@code clone}: safe to repeat (plugged already: done).
     * Past the point of no return, so any other domain of the VM that still has the disk (a
     * destroy that never reached libvirt before bgreboot died) is destroyed first.
     *
     * @param find what the hot-plug needs, when the switch was not armed in this process (recovery)
     */
    DiskHandover plug(DomainInstance clone, java.util.function.Supplier<Plug> find) {
        Plug p = prepared;
        if (p == null) {
            if (clone.persistentDiskPlugged()) {
                return DiskHandover.HOT_PLUG;
            }
            p = find.get();
        }
        String diskXml = p.diskXml();
        for (DomainInstance h : p.holders()) {
            if (!stopping.containsKey(h.name())) {
                stop(h); // armed: in the background as the switch's own kill; in a recovery: awaited
            }
        }
        long deadline = System.nanoTime() + LOCK_WAIT_MS * 1_000_000;
        long t0 = System.nanoTime();
        int tries = 0;
        while (true) {
            try {
                tries++;
                clone.attachLive(diskXml);
                log.debug("persistent disk attached after {} tries, {} ms", tries, (System.nanoTime() - t0) / 1_000_000);
                return DiskHandover.HOT_PLUG;
            } catch (LibvirtFailure e) {
                log.debug("hot-plug try {} refused after {} ms: {}", tries, (System.nanoTime() - t0) / 1_000_000, e.getMessage());
                if (!e.getMessage().contains("lock") || System.nanoTime() > deadline) {
                    if (clone.persistentDiskPlugged()) {
                        return DiskHandover.HOT_PLUG;
                    }
                    throw e;
                }
                failedStop().ifPresent(f -> {
                    throw f;
                });
                Sleep.ms(RETRY_MS);
            }
        }
    }

    private java.util.Optional<RuntimeException> failedStop() {
        for (CompletableFuture<Void> f : stopping.values()) {
            if (f.isCompletedExceptionally()) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    return java.util.Optional.of(e.getCause() instanceof RuntimeException r ? r : new LibvirtFailure(e.getCause().toString()));
                }
            }
        }
        return java.util.Optional.empty();
    }

    private static void await(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new LibvirtFailure(String.valueOf(e.getCause()));
        }
    }
}
