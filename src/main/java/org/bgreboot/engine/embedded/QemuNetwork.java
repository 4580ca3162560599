package org.bgreboot.engine.embedded;

import org.bgreboot.engine.Drain;
import org.bgreboot.engine.GuestLink;
import org.bgreboot.engine.InstanceNetwork;

/** A QEMU process's side of the VM's network identity: its tap (its generation's) on a bridge, or user networking. */
final class QemuNetwork implements InstanceNetwork {
    private final QemuProcess process;

    QemuNetwork(QemuProcess process) {
        this.process = process;
    }

    @Override public void isolate() {
        kind().isolate(process.qmp());
    }

    /** What can be done before the switch without anyone reaching the clone. */
    void prepare() {
        kind().prepare(process.qmp(), () -> GuestLink.awaitUp(process.agent(), process.spec().network().mac()));
    }

    @Override public String linkUp() {
        return kind().linkUp(process.qmp(), process.runtime().dir().resolve("first-frame.pcap"));
    }

    @Override public void take() {
        kind().take(process.qmp());
    }

    @Override public void handOver() {
        kind().handOver(process.qmp());
    }

    /** On a bridge, until its tap has been quiet (see {@link Drain}); under user networking FG's open connections stay its own anyway. */
    @Override public long drain() {
        GuestNetwork n = kind();
        return Drain.untilQuiet(() -> n.transmitted(process.pid()));
    }

    @Override public void release() {
        kind().release(process.qmp());
    }

    private GuestNetwork kind() {
        if (!process.spec().network().bridged()) {
            return new UserNetwork(process.spec().network());
        }
        int generation = LaunchRecord.read(process.runtime()).map(l -> l.state().generation()).orElseThrow(() ->
                new IllegalStateException("the launch record of " + process.runtime().dir() + " is missing: its tap is unknown"));
        return new BridgeNetwork(process.spec().network(), Taps.name(process.spec(), generation));
    }
}
