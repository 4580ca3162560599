package org.bgreboot.engine.libvirt;

import java.util.Optional;

/**
 * libvirt's own error (its {@code virError}): the code and the part of libvirt that raised it, as
 * the C API numbers them. The binding's enum of codes lacks four of them and is shifted from code 60
 * on (VIR_ERR_NO_DOMAIN_METADATA reads as VIR_ERR_UNKNOWN), so the codes are taken where libvirt
 * hands them out: its error callback ({@link LibvirtRuntime}), which runs in the failing call's
 * thread before the binding throws. Callers branch on these, never on the message.
 */
record LibvirtError(int code, int domain, String message) {
    static final int INTERNAL_ERROR = 1;
    static final int NO_CONNECT = 5;
    static final int INVALID_CONN = 6;
    static final int SYSTEM_ERROR = 38;
    static final int RPC = 39;
    static final int NO_DOMAIN = 42;
    static final int NO_STORAGE_VOL = 50;
    static final int OPERATION_INVALID = 55;
    static final int OPERATION_TIMEOUT = 68;
    static final int NO_DOMAIN_METADATA = 80;
    static final int AGENT_UNRESPONSIVE = 86;
    static final int AGENT_UNSYNCED = 97;
    static final int AGENT_COMMAND_TIMEOUT = 111;
    static final int AGENT_COMMAND_FAILED = 112;
    /** virErrorDomain VIR_FROM_RPC: the client's connection to the daemon. */
    static final int FROM_RPC = 7;
    /** The binding's enum names codes below this one rightly. */
    private static final int BINDING_EXACT_BELOW = 60;

    private static final ThreadLocal<LibvirtError> LAST = new ThreadLocal<>();

    /** Called by libvirt's error callback, in the thread whose call failed. */
    static void seen(int code, int domain, String message) {
        LAST.set(new LibvirtError(code, domain, message == null ? "" : message));
    }

    /** Before a call: an error seen afterwards is this call's. */
    static void forget() {
        LAST.remove();
    }

    /** The error of a call that threw {@code e}: the one libvirt's callback saw, else what the binding kept where its codes are right. */
    static Optional<LibvirtError> of(org.libvirt.LibvirtException e) {
        org.libvirt.Error b = e.getError();
        String message = b != null && b.getMessage() != null ? b.getMessage() : "";
        LibvirtError seen = LAST.get();
        if (seen != null && seen.message.equals(message)) {
            return Optional.of(seen);
        }
        if (b != null && b.getCode() != null && b.getCode().ordinal() < BINDING_EXACT_BELOW) {
            return Optional.of(new LibvirtError(b.getCode().ordinal(), b.getDomain() == null ? 0 : b.getDomain().ordinal(), message));
        }
        return Optional.empty();
    }

    /** The error of a failed call made through JNA ({@link Virt}): the one the callback just saw. */
    static Optional<LibvirtError> last() {
        return Optional.ofNullable(LAST.get());
    }

    /** The connection to the daemon is gone (closed, reset, keepalive timed out), not the operation refused. */
    boolean connectionLost() {
        return code == NO_CONNECT || code == INVALID_CONN
                || domain == FROM_RPC && (code == SYSTEM_ERROR || code == RPC || code == INTERNAL_ERROR);
    }

    boolean noDomain() {
        return code == NO_DOMAIN;
    }

    /** The operation does not apply to the domain's state (destroying a domain that is not running). */
    boolean operationInvalid() {
        return code == OPERATION_INVALID;
    }

    boolean noMetadata() {
        return code == NO_DOMAIN_METADATA;
    }

    /** The guest agent is not there, out of step, or did not answer in time. */
    boolean agentUnresponsive() {
        return code == AGENT_UNRESPONSIVE || code == AGENT_UNSYNCED || code == AGENT_COMMAND_TIMEOUT || code == OPERATION_TIMEOUT;
    }
}
