package org.bgreboot.engine.libvirt;

import org.libvirt.LibvirtException;

/** A libvirt call of the binding, whose checked exception becomes a {@link LibvirtFailure} saying what was asked. */
@FunctionalInterface
interface LibvirtCall<T> {
    T call() throws LibvirtException;

    static <T> T of(String what, LibvirtCall<T> c) {
        try {
            return c.call();
        } catch (LibvirtException e) {
            throw new LibvirtFailure(what, e);
        }
    }

    static void run(String what, Action a) {
        try {
            a.run();
        } catch (LibvirtException e) {
            throw new LibvirtFailure(what, e);
        }
    }

    @FunctionalInterface
    interface Action {
        void run() throws LibvirtException;
    }
}
