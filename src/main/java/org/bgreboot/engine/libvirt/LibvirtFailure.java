package org.bgreboot.engine.libvirt;

import java.util.Optional;
import org.bgreboot.ExplainedFailure;
import org.libvirt.LibvirtException;

/** libvirt refused or failed an operation; the message is libvirt's own, with what was asked, and the error its code. */
class LibvirtFailure extends RuntimeException implements ExplainedFailure {
    private final Optional<LibvirtError> error;

    LibvirtFailure(String message) {
        super(message);
        this.error = Optional.empty();
    }

    LibvirtFailure(String what, LibvirtException cause) {
        super(what + ": " + message(cause), cause);
        this.error = LibvirtError.of(cause);
    }

    /** A failed call made through JNA: {@code error} as libvirt's callback saw it. */
    LibvirtFailure(String what, Optional<LibvirtError> error) {
        super(what + ": " + error.map(LibvirtError::message).orElse("libvirt gave no reason"));
        this.error = error;
    }

    Optional<LibvirtError> error() {
        return error;
    }

    boolean connectionLost() {
        return error.map(LibvirtError::connectionLost).orElse(false);
    }

    boolean noDomain() {
        return error.map(LibvirtError::noDomain).orElse(false);
    }

    /** libvirt's message, one line. */
    static String message(LibvirtException e) {
        String m = e.getError() != null && e.getError().getMessage() != null ? e.getError().getMessage() : e.getMessage();
        return m == null ? e.toString() : m.strip().replace('\n', ' ');
    }

    /** Whether libvirt said the domain does not exist (a transient domain that ended, a name never defined). */
    static boolean noDomain(LibvirtException e) {
        return LibvirtError.of(e).map(LibvirtError::noDomain).orElse(false);
    }
}
