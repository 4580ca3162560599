package org.bgreboot.engine.libvirt;

import org.libvirt.LibvirtException;

/** A libvirt call of the binding, whose checked exception becomes a {@link LibvirtFailure} saying what was asked, with libvirt's error code. */
@FunctionalInterface
interface LibvirtCall<T> {
    T call() throws LibvirtException;

    static <T> T of(String what, LibvirtCall<T> c) {
        LibvirtError.forget();
        try {
            return c.call();
        } catch (LibvirtException e) {
            throw new LibvirtFailure(what, e);
        }
    }

    static void run(String what, Action a) {
        of(what, () -> {
            a.run();
            return null;
        });
    }

    @FunctionalInterface
    interface Action {
        void run() throws LibvirtException;
    }
}
