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
    private boolean registered;

    LifecycleEvents(Connect conn) {
        this.conn = conn;
    }

    /** Calls {@code onEvent} for every event of domain {@code name} until the returned handle is closed. */
    synchronized AutoCloseable watch(String name, Consumer<DomainEvent> onEvent) {
        if (!registered) {
            LibvirtCall.run("cannot listen to libvirt's domain events", () -> conn.addLifecycleListener((d, e) -> {
                try {
                    List<Consumer<DomainEvent>> w = watchers.get(d.getName());
                    if (w != null) {
                        w.forEach(c -> c.accept(e));
                    }
                } catch (LibvirtException ignored) {
                    // the domain is gone already: its name cannot be asked; its watchers see it is not alive
                }
                return 0;
            }));
            registered = true;
        }
        watchers.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(onEvent);
        return () -> watchers.getOrDefault(name, List.of()).remove(onEvent);
    }
}
