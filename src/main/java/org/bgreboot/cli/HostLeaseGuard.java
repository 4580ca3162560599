package org.bgreboot.cli;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.watch.LeaseLocks;

/**
 * A manual reboot or roll holds its libvirt hosts' leases while it runs, as a watch does, so a
 * watch never starts on a VM a person is rebooting, and a person is told when a watch is rolling.
 * Only a watch's lease refuses it: a lease held by another manual command is left to it, and the
 * two go ahead side by side as before (each VM's own lock keeps them off the same VM).
 */
final class HostLeaseGuard implements AutoCloseable {
    private final LeaseLocks locks;
    private final List<String> held = new ArrayList<>();
    private final List<LibvirtEngine> opened;

    private HostLeaseGuard(LeaseLocks locks, List<LibvirtEngine> opened) {
        this.locks = locks;
        this.opened = opened;
    }

    /** Takes the leases of {@code engines}' hosts for {@code what}, or refuses in one line naming the holder. */
    static HostLeaseGuard take(List<LibvirtEngine> engines, String what, List<LibvirtEngine> toClose) {
        Map<String, LibvirtEngine> byUri = new LinkedHashMap<>();
        engines.forEach(e -> byUri.put(e.uri(), e));
        HostLeaseGuard g = new HostLeaseGuard(new LeaseLocks(what, u -> Optional.ofNullable(byUri.get(u)), Clock.systemUTC(), Progress.SILENT), toClose);
        try {
            for (String uri : byUri.keySet()) {
                Optional<String> other;
                try {
                    other = g.locks.take(uri);
                } catch (RuntimeException e) {
                    continue; // a host whose libvirt keeps no secrets (no secret driver): no lease to honour or take, as before
                }
                if (other.isPresent() && other.get().startsWith("watch ")) {
                    throw new UserError("host " + uri + " is locked by " + other.get() + ": wait until it is done (a watch lets go after its "
                            + "roll), or stop it, then run this again");
                }
                // held by another manual reboot or roll: this one goes ahead as before, the VMs' own locks keep the two apart
                other.ifPresentOrElse(o -> { }, () -> g.held.add(uri));
            }
            return g;
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    /** The leases of the hosts at {@code uris}, each connected for the purpose. */
    static HostLeaseGuard take(List<String> uris, String what) {
        List<LibvirtEngine> engines = new ArrayList<>();
        try {
            for (String u : uris) {
                engines.add(LibvirtEngine.connect(Optional.of(u)));
            }
        } catch (RuntimeException e) {
            engines.forEach(LibvirtEngine::close);
            throw e;
        }
        return take(engines, what, engines);
    }

    @Override public void close() {
        locks.close();
        opened.forEach(LibvirtEngine::close);
    }
}
