package org.bgreboot.qmp;

/** A registered event listener; closing it unregisters the listener. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
