package org.bgreboot.engine.libvirt;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEvent;

/**
 * One lifecycle listener per connection, registered when first needed (and again on each new
 * connection after a lost one), handing each domain's events (crashed, shut down, stopped...) to
 * whoever watches that domain by name. Events while the daemon was away are not replayed: a
 * watcher also asks whether its domain still runs.
 */
final class LifecycleEvents {
    private final Host host;
    private final Map<String, List<Consumer<DomainEvent>>> watchers = new ConcurrentHashMap<>();
    /** Held while registered: libvirt calls it from C (a collected callback crashes the process). */
    private org.libvirt.event.LifecycleListener listener;
    private Connect registeredOn;

    LifecycleEvents(Host host) {
        this.host = host;
    }

    /** Calls {@code onEvent} for every event of domain {@code name} until the returned handle is closed. */
    synchronized AutoCloseable watch(String name, Consumer<DomainEvent> onEvent) {
        if (listener == null) {
            listener = (d, e) -> {
                try {
                    List<Consumer<DomainEvent>> w = watchers.get(d.getName());
                    if (w != null) {
                        w.forEach(c -> c.accept(e));
                    }
                } catch (LibvirtException ignored) {
                    // the domain is gone already: its name cannot be asked; its watchers see it is not alive
                }
                return 0;
            };
            host.run("cannot listen to libvirt's domain events", () -> register(host.conn()));
        }
        watchers.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(onEvent);
        return () -> watchers.getOrDefault(name, List.of()).remove(onEvent);
    }

    private synchronized void register(Connect c) throws LibvirtException {
        if (registeredOn != c) {
            c.addLifecycleListener(listener);
            registeredOn = c;
        }
    }

    /** A new connection: the listener, if any, is registered on it. */
    synchronized void attach(Connect c) throws LibvirtException {
        if (listener != null) {
            register(c);
        }
    }

    /** Stops listening on {@code c} (before it closes: libvirt would go on calling a listener that is gone). */
    synchronized void detach(Connect c) {
        if (listener != null && registeredOn == c) {
            try {
                c.removeLifecycleListener(listener);
            } catch (LibvirtException e) {
                // the connection is gone: so is the registration
            }
            registeredOn = null;
        }
    }
}
