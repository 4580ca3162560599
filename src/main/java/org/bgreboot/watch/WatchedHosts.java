package org.bgreboot.watch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.libvirt.LibvirtEngine;

/**
 * The libvirt hosts watch was given, one connection each, named by the URI libvirt reports (the
 * name rolls, metrics and events use). Every host must answer when watch starts (a wrong URI is a
 * mistake to say at once); a host that stops answering later is reported each round and connected
 * again in the next.
 */
final class WatchedHosts implements AutoCloseable {
    private final Map<String, String> given = new LinkedHashMap<>(); // name -> the URI as given
    private final Map<String, LibvirtEngine> engines = new LinkedHashMap<>();
    private final Progress log;

    private WatchedHosts(Progress log) {
        this.log = log;
    }

    static WatchedHosts connect(List<String> uris, Progress log) {
        WatchedHosts h = new WatchedHosts(log);
        try {
            for (String uri : uris) {
                LibvirtEngine e;
                try {
                    e = LibvirtEngine.connect(Optional.of(uri));
                } catch (UserError ex) {
                    throw new UserError("host " + uri + " does not answer at start: " + ex.getMessage());
                }
                if (h.engines.containsKey(e.uri())) {
                    e.close();
                    throw new UserError("host " + uri + " is given twice (--connect)");
                }
                h.given.put(e.uri(), uri);
                h.engines.put(e.uri(), e);
            }
            return h;
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /** The hosts by the names libvirt gave them. */
    synchronized List<String> names() {
        return new ArrayList<>(given.keySet());
    }

    /** The host's connection, connected again if it was lost; empty (and why, logged) when it does not answer now. */
    synchronized Optional<LibvirtEngine> engine(String name) {
        LibvirtEngine e = engines.get(name);
        if (e != null && e.reachable()) {
            return Optional.of(e);
        }
        if (e != null) {
            e.close();
            engines.remove(name);
        }
        try {
            LibvirtEngine again = LibvirtEngine.connect(Optional.of(given.get(name)));
            engines.put(name, again);
            log.step("host " + name + " answers again");
            return Optional.of(again);
        } catch (RuntimeException ex) {
            log.step("host " + name + " does not answer: " + ex.getMessage() + "; the next round tries again");
            return Optional.empty();
        }
    }

    @Override public synchronized void close() {
        engines.values().forEach(LibvirtEngine::close);
        engines.clear();
    }
}
