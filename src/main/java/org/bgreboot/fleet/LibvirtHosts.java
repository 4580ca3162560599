package org.bgreboot.fleet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bgreboot.Home;
import org.bgreboot.UserError;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/**
 * The libvirt hosts of a roll, one connection each (libvirt's connections are thread-safe), and
 * the VMs on them as their domains' bgreboot metadata names them. A host that stops answering
 * during the roll is marked down: its VMs still waiting are skipped.
 */
final class LibvirtHosts implements FleetHosts {
    private final Map<String, LibvirtEngine> engines = new LinkedHashMap<>();
    private final Set<String> down = ConcurrentHashMap.newKeySet();
    private final Home home;
    private final SpecLoader loader;

    private LibvirtHosts(Home home) {
        this.home = home;
        this.loader = SpecLoader.forThisHost(home.vms());
    }

    /** Connects to every host, or refuses the roll: a URI that does not answer is a mistake before anything acts. */
    static LibvirtHosts connect(Home home, List<String> uris) {
        LibvirtHosts h = new LibvirtHosts(home);
        try {
            for (String uri : uris) {
                LibvirtEngine e = LibvirtEngine.connect(Optional.of(uri));
                if (h.engines.containsKey(e.uri())) {
                    e.close();
                    throw new UserError("host " + uri + " is given twice (--connect)");
                }
                h.engines.put(e.uri(), e);
            }
            return h;
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /** For a resumed roll: a host that no longer answers is reported and its VMs skipped, not a reason to refuse. */
    static LibvirtHosts connectReachable(Home home, List<String> uris, org.bgreboot.Progress progress) {
        LibvirtHosts h = new LibvirtHosts(home);
        for (String uri : uris) {
            try {
                h.engines.put(uri, LibvirtEngine.connect(Optional.of(uri)));
            } catch (UserError e) {
                progress.step("host " + uri + " does not answer: its VMs are skipped (" + e.getMessage() + ")");
                h.down.add(uri);
            }
        }
        return h;
    }

    @Override public List<String> uris() {
        return List.copyOf(engines.keySet());
    }

    private LibvirtEngine engine(String uri) {
        LibvirtEngine e = engines.get(uri);
        if (e == null) {
            throw new UserError("host " + uri + " is not part of this roll");
        }
        return e;
    }

    /** The VM called so on a host: its spec (from its domain's metadata, else a spec registered here under that name) and its domains. */
    @Override public Vm vm(String uri, String name) {
        LibvirtEngine e = engine(uri);
        VmSpec spec = registered(name).orElseGet(() -> e.specOf(name, loader).orElseThrow(() ->
                new UserError("VM " + name + " has no spec on " + uri + " (none in its domain's metadata, none registered here)")));
        return e.vm(spec.connectingTo(e.uri()), home.stateDir(spec.name()));
    }

    private Optional<VmSpec> registered(String name) {
        java.nio.file.Path p = home.specs().resolve(name + ".toml");
        if (!name.matches("[a-z0-9][a-z0-9_-]{0,31}") || !java.nio.file.Files.exists(p)) {
            return Optional.empty();
        }
        VmSpec s = loader.load(p);
        return s.libvirt().isPresent() ? Optional.of(s) : Optional.empty();
    }

    /** The VMs bgreboot knows on a host (its domains' metadata), by their stable names. */
    @Override public List<String> vmsOn(String uri) {
        return engine(uri).list().stream().map(LibvirtEngine.Listing::vm).filter(v -> !v.isEmpty()).distinct().sorted().toList();
    }

    @Override public boolean has(String uri, String vm) {
        return engine(uri).has(vm);
    }

    @Override public long availableMemoryBytes(String uri) {
        return engine(uri).availableMemoryBytes();
    }

    /** Whether a host still answers; a host that does not is marked down for the rest of the roll. */
    @Override public boolean reachable(String uri) {
        if (down.contains(uri) || !engines.containsKey(uri)) {
            return false;
        }
        if (!engine(uri).reachable()) {
            down.add(uri);
            return false;
        }
        return true;
    }

    @Override public boolean isDown(String uri) {
        return down.contains(uri);
    }

    @Override public void close() {
        engines.values().forEach(LibvirtEngine::close);
    }
}
