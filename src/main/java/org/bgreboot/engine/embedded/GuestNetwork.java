package org.bgreboot.engine.embedded;

import java.nio.file.Path;
import org.bgreboot.qmp.QmpClient;

/** A QEMU's side of the VM's network identity: user networking's port forwards, or a tap on a bridge. */
interface GuestNetwork {
    /** Link down on a clone that has not yet run (started with -S). */
    void isolate(QmpClient vm);

    /**
     * Whatever can be done before the switch without anyone reaching the clone.
     * {@code awaitLinkUp} waits until the guest has taken a link that came up (see {@code GuestLink}).
     */
    default void prepare(QmpClient clone, Runnable awaitLinkUp) { }

    /** See {@code InstanceNetwork.linkUp}; {@code scratch} is a file the process may use meanwhile. */
    String linkUp(QmpClient clone, Path scratch);

    /** The VM's identity moves to this process. Safe to repeat. */
    void take(QmpClient vm);

    /** Undoes a take by a clone (a crash mid-switch), so another can take the identity. */
    void release(QmpClient vm);

    /** The serving process lets a clone take the identity while it finishes what it has (see {@code Instance.handOverNetwork}). */
    void handOver(QmpClient vm);

    /** What the process has sent so far, for a drain; empty where it cannot be seen. */
    default java.util.OptionalLong transmitted(long pid) {
        return java.util.OptionalLong.empty();
    }
}
