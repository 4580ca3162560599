package org.bgreboot.engine.libvirt;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.bgreboot.Sleep;
import org.bgreboot.engine.DiskHandover;

/**
 * The old domain's end in the switch on libvirt, and the persistent disk's way to the clone: the
 * clone's QEMU opens the disk only once the old QEMU has let go of it, as seen from outside, never
 * by trying to open it. Where the libvirt host is this machine, that is the old QEMU process gone
 * from /proc (it was found by the domain's UUID before the switch; a read of its /proc entry every
 * millisecond); elsewhere, libvirt's destroy having returned (it returns once the QEMU pid is gone).
 * QEMU's image lock is the second line: a hot-plug it refuses fails, it is not retried.
 *
 * <p>Armed before the switch ({@link LibvirtVm}'s rehearsal), a kill of the serving domain does not
 * wait for libvirt's destroy, which returns only at its next check of the QEMU pid, 200 ms after it
 * sent SIGTERM, though QEMU is gone long before: the destroy runs in the background while the
 * process is watched. Unarmed (recovery, the restore switch), a kill is libvirt's destroy, awaited.
 */
final class Handover {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Handover.class);
    private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);

    /** The persistent disk as the VM's definition has it, and the domains that have it open now. */
    record Plug(String diskXml, List<DomainInstance> holders) {}

    /** A destroy under way in the background, and the QEMU process it ends where this machine can see it. */
    private record Stop(CompletableFuture<Void> destroy, Optional<DomainProcess> qemu, long startNanos) {}

    private final Function<DomainInstance, Plug> find;
    private final boolean background = !"wait".equals(System.getenv("BGREBOOT_LIBVIRT_DESTROY"));
    private final Map<String, Stop> stopping = new ConcurrentHashMap<>();
    private final Map<String, Optional<DomainProcess>> processes = new ConcurrentHashMap<>();
    private volatile boolean armed;
    /** What the armed switch's hot-plug needs, found before the switch: the disk's XML and who holds the disk. */
    private volatile Plug prepared;

    /** @param find what a hot-plug into a clone needs: looked up when the switch is armed, or at the hot-plug in a recovery */
    Handover(Function<DomainInstance, Plug> find) {
        this.find = find;
    }

    /**
     * The switch is near: the hot-plug has what it needs already, and each holder's QEMU process is
     * known (nothing is looked up during the downtime); a kill of a holder from now on need not wait
     * for libvirt's destroy.
     */
    void arm(DomainInstance clone) {
        Plug plug = find.apply(clone);
        long t0 = System.nanoTime();
        for (DomainInstance h : plug.holders()) {
            processes.put(h.name(), h.process());
        }
        log.debug("holders' QEMU processes {} found in {} ms", processes, (System.nanoTime() - t0) / 1_000_000);
        prepared = plug;
        armed = true;
    }

    /** Ends a domain: in the background during an armed switch (see the class), else at once. */
    void stop(DomainInstance i) {
        Stop pending = stopping.get(i.name());
        if (pending != null) {
            if (!armed) {
                await(pending.destroy());
            }
            return;
        }
        if (armed && background) {
            long t0 = System.nanoTime();
            stopping.put(i.name(), new Stop(CompletableFuture.runAsync(() -> {
                i.destroyNow();
                log.debug("destroy of {} returned after {} ms", i.name(), (System.nanoTime() - t0) / 1_000_000);
            }), processes.getOrDefault(i.name(), Optional.empty()), t0));
            return;
        }
        i.destroyNow();
    }

    /**
     * Returns once domain {@code i}, killed, holds the persistent disk no more: its QEMU process
     * gone, where it was found; else libvirt's destroy returned; a domain destroyed at once (or
     * never killed here) once libvirt no longer has it running.
     */
    void awaitReleased(DomainInstance i, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Stop s = stopping.get(i.name());
        if (s == null) {
            DomainInstance.waitUntil(i.describe() + "'s end", timeout, () -> !i.alive());
            return;
        }
        if (s.qemu().isPresent()) {
            DomainProcess qemu = s.qemu().get();
            while (!qemu.gone()) {
                if (s.destroy().isCompletedExceptionally()) {
                    await(s.destroy());
                }
                if (System.nanoTime() > deadline) {
                    throw new LibvirtFailure("QEMU pid " + qemu.pid() + " of " + i.describe() + " still runs " + timeout.toMillis()
                            + " ms after its destroy: the persistent disk stays where it is");
                }
                Sleep.ms(1); // on the switch path: every millisecond here is downtime
            }
            log.debug("QEMU pid {} of {} gone {} ms after the destroy began", qemu.pid(), i.name(), (System.nanoTime() - s.startNanos()) / 1_000_000);
            return;
        }
        try {
            s.destroy().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new LibvirtFailure("libvirt's destroy of " + i.describe() + " did not return within " + timeout.toMillis()
                    + " ms: the persistent disk stays where it is");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new LibvirtFailure(String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LibvirtFailure("interrupted while waiting for the end of " + i.describe());
        }
    }

    /** Waits for every background destroy; the switch is over. */
    void settle() {
        armed = false;
        prepared = null;
        for (Stop s : List.copyOf(stopping.values())) {
            await(s.destroy());
        }
        stopping.clear();
        processes.clear();
    }

    /**
     * Hot-plugs the persistent disk into {@code clone}: safe to repeat (plugged already: done).
     * Past the point of no return, so any other domain of the VM that still has the disk (a
     * destroy that never reached libvirt before bgreboot died) is destroyed first; each holder's
     * release is awaited before the clone's QEMU opens the disk.
     */
    DiskHandover plug(DomainInstance clone) {
        Plug p = prepared;
        if (p == null) {
            if (clone.persistentDisk().attached()) {
                return DiskHandover.HOT_PLUG;
            }
            p = find.apply(clone);
        }
        for (DomainInstance h : p.holders()) {
            if (!stopping.containsKey(h.name())) {
                stop(h); // armed: in the background as the switch's own kill; in a recovery: awaited
            }
            awaitReleased(h, RELEASE_TIMEOUT);
        }
        try {
            clone.persistentDisk().attachLive(p.diskXml());
        } catch (LibvirtFailure e) {
            if (clone.persistentDisk().attached()) {
                return DiskHandover.HOT_PLUG; // libvirt said no, but the device is there
            }
            throw e; // e.g. QEMU's image lock: someone else has the disk, so the clone must not
        }
        return DiskHandover.HOT_PLUG;
    }

    private static void await(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new LibvirtFailure(String.valueOf(e.getCause()));
        }
    }
}
