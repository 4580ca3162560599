package org.bgreboot.engine.libvirt;

import org.bgreboot.ExplainedFailure;
import org.libvirt.LibvirtException;

/** libvirt refused or failed an operation; the message is libvirt's own, with what was asked. */
final class LibvirtFailure extends RuntimeException implements ExplainedFailure {
    LibvirtFailure(String message) {
        super(message);
    }

    LibvirtFailure(String what, LibvirtException cause) {
        super(what + ": " + message(cause), cause);
    }

    /** libvirt's message, one line. */
    static String message(LibvirtException e) {
        String m = e.getError() != null && e.getError().getMessage() != null ? e.getError().getMessage() : e.getMessage();
        return m == null ? e.toString() : m.strip().replace('\n', ' ');
    }

    /** Whether libvirt said the domain does not exist (a transient domain that ended, a name never defined). */
    static boolean noDomain(LibvirtException e) {
        return e.getError() != null && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
    }

    /** Whether libvirt said the domain is not running (destroying a stopped domain). */
    static boolean notRunning(LibvirtException e) {
        String m = message(e);
        return m.contains("is not running") || e.getError() != null && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_OPERATION_INVALID
                && m.contains("not running");
    }
}
