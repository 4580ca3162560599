package org.bgreboot.engine.libvirt;

import org.libvirt.Connect;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt's process-wide setup, once: its default error printing silenced (every error a caller
 * expects would land on stderr) and each error's code kept for its thread, and its event loop registered and running on a daemon thread.
 * Events reach only connections opened after the loop was registered, so every Connect is opened
 * after {@link #ensureStarted}.
 */
final class LibvirtRuntime {
    private static final Logger log = LoggerFactory.getLogger(LibvirtRuntime.class);
    private static boolean started;
    /** Held for the life of the process: libvirt calls it from C, and JNA must not see it collected. */
    private static org.libvirt.jna.Libvirt.VirErrorCallback quiet;

    private LibvirtRuntime() {}

    static synchronized void ensureStarted() {
        if (started) {
            return;
        }
        try {
            quiet = new org.libvirt.jna.Libvirt.VirErrorCallback() {
                @Override public void errorCallback(com.sun.jna.Pointer userData, org.libvirt.jna.virError error) {
                    // errors come back as exceptions, nothing to print; their codes are kept for them (see LibvirtError)
                    if (error != null) {
                        LibvirtError.seen(error.code, error.domain, error.message);
                    }
                }
            };
            Connect.setErrorCallback(quiet);
            Library.initEventLoop();
        } catch (LibvirtException | UnsatisfiedLinkError e) {
            throw new org.bgreboot.UserError("cannot load libvirt's client library (libvirt0): " + e.getMessage()
                    + "; install it with 'scripts/libvirt-host.sh install' or apt-get install libvirt0");
        }
        Thread loop = new Thread(() -> {
            try {
                Library.runEventLoop();
            } catch (LibvirtException | InterruptedException e) {
                log.debug("libvirt event loop ended: {}", e.toString());
            }
        }, "libvirt-events");
        loop.setDaemon(true);
        loop.start();
        started = true;
    }
}
