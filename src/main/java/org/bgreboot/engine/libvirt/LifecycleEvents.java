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
 * One lifecycle listener per connection, registered when first needed, handing each domain's
 * events (crashed, shut down, stopped...) to whoever watches that domain by name.
 */
final class LifecycleEvents {
    private final Connect conn;
    private final Map<String, List<Consumer<DomainEvent>>> watchers = new ConcurrentHashMap<>();
    /** Held while registered: libvirt calls it from C (a collected callback crashes the process). */
    private org.libvirt.event.LifecycleListener listener;

    LifecycleEvents(Connect conn) {
        this.conn = conn;
    }

    /** Calls {@code onEvent} for every event of domain {@code name} until the returned handle is closed. */
    synchronized AutoCloseable watch(String name, Consumer<DomainEvent> onEvent) {
        if (listener == null) {
            org.libvirt.event.LifecycleListener l = (d, e) -> {
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
            LibvirtCall.run("cannot listen to libvirt's domain events", () -> conn.addLifecycleListener(l));
            listener = l;
        }
        watchers.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(onEvent);
        return () -> watchers.getOrDefault(name, List.of()).remove(onEvent);
    }

    /** Stops listening (before the connection closes: libvirt would go on calling a listener that is gone). */
    synchronized void close() {
        if (listener != null) {
            try {
                conn.removeLifecycleListener(listener);
            } catch (LibvirtException e) {
                // the connection is gone: so is the registration
            }
            listener = null;
        }
    }
}
