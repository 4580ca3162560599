package org.bgreboot.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import org.bgreboot.engine.libvirt.HostLease;
import org.junit.jupiter.api.Test;

/** A lease whose holder on this machine is gone is taken over at once; one held elsewhere, or by a live process, is waited out. */
class LeaseLocksTest {
    @Test void aHolderKilledOnThisMachineNeedNotBeWaitedOut() throws Exception {
        String here = InetAddress.getLocalHost().getHostName();
        Instant until = Instant.now().plusSeconds(90);
        long gone = ProcessHandle.allProcesses().mapToLong(ProcessHandle::pid).max().orElse(1) + 1000;
        assertThat(LeaseLocks.deadHereAlready(new HostLease.Holder("x", "watch (pid " + gone + " on " + here + ", since 2026-12-06 06:00:00)", until)))
                .isTrue();
        assertThat(LeaseLocks.deadHereAlready(new HostLease.Holder("x", "watch (pid " + ProcessHandle.current().pid() + " on " + here
                + ", since 2026-12-06 06:00:00)", until))).isFalse();
        assertThat(LeaseLocks.deadHereAlready(new HostLease.Holder("x", "watch (pid " + gone + " on another-machine, since 2026-12-06 06:00:00)", until)))
                .isFalse();
    }
}
