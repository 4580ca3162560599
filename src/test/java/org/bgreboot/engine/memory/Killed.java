package org.bgreboot.engine.memory;

/**
 * bgreboot's process died here (SIGKILL): an Error, so no {@code catch (RuntimeException)} of the
 * flow stops it on its way out, and every handle the process held refuses from now on.
 */
public final class Killed extends Error {
    public Killed(String where) {
        super("bgreboot killed " + where);
    }

    /** No stack: a death that dying threads print needs none. */
    @Override public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
