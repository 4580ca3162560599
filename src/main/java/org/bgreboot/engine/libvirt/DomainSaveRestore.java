package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.StateSaving;
import org.libvirt.Domain;

/**
 * The paper-faithful switch on libvirt: the clone saved whole to a file beside the VM's layers and
 * restored under its own name (libvirt restores no other). Each half looks first: a domain saved
 * already (gone, its file there) is not saved again, one restored already (running) not restored
 * again, so either can be run again on a new connection.
 */
final class DomainSaveRestore implements StateSaving {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DomainSaveRestore.class);
    private final Host host;
    private final Generations names;
    private final Definitions definitions;
    private final java.util.function.BiFunction<Domain, String, DomainInstance> instance;

    DomainSaveRestore(Host host, Generations names, Definitions definitions, java.util.function.BiFunction<Domain, String, DomainInstance> instance) {
        this.host = host;
        this.names = names;
        this.definitions = definitions;
        this.instance = instance;
    }

    @Override public Instance saveAndRestore(Instance clone, Duration timeout) {
        String name = ((DomainInstance) clone).name();
        Path file = names.savedState(definitions.layerDir(), name);
        try {
            host.run("cannot save domain " + name + "'s state to " + file, () -> {
                Optional<Domain> d = host.lookupNow(name);
                if (d.isPresent() && d.get().isActive() == 1) {
                    Virt.save(d.get(), file.toString());
                }
            });
            Domain restored = host.call("cannot restore domain " + name + "'s state from " + file, () -> {
                Optional<Domain> d = host.lookupNow(name);
                if (d.isEmpty() || d.get().isActive() != 1) {
                    Virt.restore(host.conn(), file.toString());
                    d = host.lookupNow(name);
                }
                return d.orElseThrow(() -> new LibvirtFailure("domain " + name + " did not come back from its saved state"));
            });
            return instance.apply(restored, name);
        } finally {
            try {
                host.files().delete(file);
            } catch (RuntimeException e) {
                log.debug("cannot delete {}: {}", file, e.toString());
            }
        }
    }
}
